"""Template tags of the admin's pages: what the error log writer of this process lost."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apierrors.checks import Messages
from apierrors.log import writer

register = template.Library()


@register.simple_tag
def apierrors_log_losses() -> SafeString | str:
    """A warning in the admin's message list when records of this process did not reach the
    error log: dropped by a full queue, or written to Python logging instead (apierrors.W402)."""
    stats = writer.current_stats()
    if stats is None or not (stats.dropped or stats.given_up):
        return ""
    return format_html(
        '<ul class="messagelist"><li class="warning">{}</li></ul>',
        Messages.LOG_LOSSES.format(dropped=stats.dropped, given_up=stats.given_up),
    )
