"""The error reference is accessible: landmarks, labelled headings, and WCAG contrast.

Contrast is computed as WCAG 2.2 defines it (success criterion 1.4.3, "contrast ratio"):
each sRGB channel c in [0, 1] is linearised (c / 12.92 when c <= 0.04045, else
((c + 0.055) / 1.055) ** 2.4), relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B, and the
ratio is (L_lighter + 0.05) / (L_darker + 0.05). Level AA asks 4.5:1 for body text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.docs_urls")]

AA_TEXT = 4.5
LANDMARKS = {"header", "nav", "main", "footer"}


def linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background colour) for each rule that sets a text colour.

    Rules that set no background sit on the page's background: the body's.
    """
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))

    def resolve(value: str) -> str:
        match = re.fullmatch(r"var\(--([a-z-]+)\)", value.strip())
        return variables[match.group(1)] if match else value.strip()

    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    declarations = {
        selector.strip(): dict(
            (name.strip(), resolve(value))
            for name, value in re.findall(r"([a-z-]+)\s*:\s*([^;]+);", body)
        )
        for selector, body in rules
    }
    page = declarations["body"]["background-color"]
    return [
        (selector, values["color"], values.get("background-color", page))
        for selector, values in declarations.items()
        if "color" in values
    ]


def test_every_text_colour_meets_wcag_aa_contrast(client):
    html = client.get("/errors/").content.decode()
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    pairs = colour_pairs(css)

    assert {selector for selector, _, _ in pairs} >= {"body", "a", ".muted", "pre, code", ".status"}
    failing = {
        selector: round(contrast(fg, bg), 2)
        for selector, fg, bg in pairs
        if contrast(fg, bg) < AA_TEXT
    }
    assert failing == {}
    # The focus ring is not text: WCAG 1.4.11 asks 3:1 against what surrounds it.
    focus = re.search(r"--focus:\s*(#[0-9a-f]{6})", css).group(1)
    assert contrast(focus, "#ffffff") >= 3


class Outline(HTMLParser):
    """Headings, landmarks, ids and labels of a page, as assistive technology meets them."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = ""
        self.headings: list[int] = []
        self.landmarks: list[str] = []
        self.ids: list[str] = []
        self.labelled_by: list[str] = []
        self.unlabelled_regions: list[str] = []
        self.links: list[list[str]] = []
        self._in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang") or ""
        if element_id := attributes.get("id"):
            self.ids.append(element_id)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in LANDMARKS:
            self.landmarks.append(tag)
        if tag in {"nav", "section", "article"}:
            if attributes.get("aria-labelledby"):
                self.labelled_by.append(attributes["aria-labelledby"])
            elif not attributes.get("aria-label"):
                self.unlabelled_regions.append(tag)
        if tag == "a":
            self._in_link = True
            self.links.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_link = False

    def handle_data(self, data: str) -> None:
        if self._in_link:
            self.links[-1].append(data)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_structure_landmarks_and_labelled_headings(client, language):
    outline = Outline()
    outline.feed(client.get(f"/errors/?lang={language}").content.decode())

    assert outline.html_lang == language
    assert set(outline.landmarks) == LANDMARKS
    assert outline.landmarks.count("main") == 1
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    # Heading levels never skip one on the way down.
    assert all(b <= a + 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert outline.unlabelled_regions == []
    assert len(outline.ids) == len(set(outline.ids))
    assert set(outline.labelled_by) <= set(outline.ids)
    assert all("".join(text).strip() for text in outline.links)


def test_the_skip_link_leads_to_the_main_landmark(client):
    html = client.get("/errors/").content.decode()

    assert '<a class="skip" href="#content">' in html
    assert '<main id="content">' in html
    assert "<script" not in html
