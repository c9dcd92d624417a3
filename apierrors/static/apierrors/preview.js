/* django-apierrors admin: keep the entry's preview in step with the form while staff type. */
"use strict";
{
    const start = function() {
        const container = document.getElementById("apierrors-preview");
        const form = document.getElementById("errorcode_form");
        if (!container || !form || !container.dataset.url) {
            return;
        }
        let timer = null;
        let controller = null;

        const refresh = function() {
            if (controller) {
                controller.abort();
            }
            controller = new AbortController();
            const open = new Set(
                Array.from(container.querySelectorAll("details[open]"), (item) => item.dataset.format)
            );
            fetch(container.dataset.url, {
                method: "POST",
                body: new FormData(form),
                credentials: "same-origin",
                signal: controller.signal,
            }).then(function(response) {
                if (!response.ok) {
                    throw new Error(String(response.status));
                }
                return response.text();
            }).then(function(html) {
                container.innerHTML = html;
                container.querySelectorAll("details[data-format]").forEach(function(item) {
                    item.open = open.has(item.dataset.format);
                });
                container.dataset.state = "fresh";
            }).catch(function(error) {
                if (error.name !== "AbortError") {
                    container.dataset.state = "failed";
                }
            });
        };

        const schedule = function() {
            window.clearTimeout(timer);
            container.dataset.state = "pending";
            timer = window.setTimeout(refresh, 300);
        };

        form.addEventListener("input", schedule);
        form.addEventListener("change", schedule);
    };

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}
