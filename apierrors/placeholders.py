"""Filling ``{name}`` placeholders in catalog texts, and nothing more powerful than that."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A placeholder is a plain identifier in braces; doubled braces are literal braces.
_TOKEN: Final = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|\{|\}")


def template_problems(template: str) -> list[str]:
    """What is wrong with a template, as sentences for an editor; empty when it is sound."""
    problems: list[str] = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}") or match.group(1):
            continue
        start = match.start()
        if token == "{":
            end = template.find("}", start)
            shown = template[start : end + 1] if end != -1 else template[start : start + 20]
            if end == -1:
                problems.append(
                    str(_("An opening brace is never closed: %(text)s") % {"text": shown})
                )
            else:
                problems.append(
                    str(
                        _(
                            "%(text)s is not a placeholder: use {name} with letters, digits and "
                            "underscores only, or {{ and }} for literal braces."
                        )
                        % {"text": shown}
                    )
                )
        else:
            problems.append(
                str(
                    _("A closing brace has no opening brace at position %(pos)d.")
                    % {"pos": start + 1}
                )
            )
    return problems


def validate_template(value: str) -> None:
    """Model field validator: rejects templates the handler could not fill."""
    problems = template_problems(value or "")
    if problems:
        raise ValidationError(problems, code="invalid_template")


def fill(template: str, params: Mapping[str, Any]) -> str:
    """The template with each ``{name}`` replaced by ``params[name]``.

    A template that is broken, or names a param that was not given, comes back as it was
    written: the client still gets the editor's text, never an exception.
    """
    if "{" not in template and "}" not in template:
        return template
    if template_problems(template):
        return template
    pieces: list[str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        pieces.append(template[position : match.start()])
        name = match.group(1)
        if name is None:
            pieces.append(match.group(0)[0])
        elif name in params:
            pieces.append(str(params[name]))
        else:
            return template
        position = match.end()
    pieces.append(template[position:])
    return "".join(pieces)


def placeholder_names(template: str) -> list[str]:
    """The ``{name}`` placeholders of a template, in order of first appearance."""
    names: list[str] = []
    for match in _TOKEN.finditer(template or ""):
        name = match.group(1)
        if name and name not in names:
            names.append(name)
    return names
