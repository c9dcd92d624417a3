"""Filling ``{name}`` placeholders in catalog texts, and nothing more powerful than that."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A placeholder is a plain identifier in braces; doubled braces are literal braces.
_TOKEN: Final = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|\{|\}")


# An editor needs the first few problems of a template, not thousands of the same one.
MAX_PROBLEMS: Final = 5

_UNOPENED: Final = _("A closing brace has no opening brace at position %(pos)d.")
_UNCLOSED: Final = _("An opening brace is never closed: %(text)s")
_NOT_A_PLACEHOLDER: Final = _(
    "%(text)s is not a placeholder: use {name} with letters, digits and "
    "underscores only, or {{ and }} for literal braces."
)


def template_problems(template: str, limit: int = MAX_PROBLEMS) -> list[str]:
    """What is wrong with a template, as sentences for an editor; empty when it is sound.

    Stops after ``limit`` problems, so a pasted wall of braces costs one pass, not one pass
    per brace.
    """
    problems: list[str] = []
    position = 0
    while len(problems) < limit and (match := _TOKEN.search(template, position)):
        token = match.group(0)
        position = match.end()
        if token in ("{{", "}}") or match.group(1):
            continue
        start = match.start()
        if token == "}":
            problems.append(str(_UNOPENED % {"pos": start + 1}))
            continue
        end = template.find("}", start)
        if end == -1:
            problems.append(str(_UNCLOSED % {"text": template[start : start + 20]}))
            # Every later opening brace is unclosed too: one sentence says it.
            break
        problems.append(str(_NOT_A_PLACEHOLDER % {"text": _shown(template[start : end + 1])}))
        # The whole group is one problem: go on after its closing brace.
        position = end + 1
    return problems


def _shown(text: str) -> str:
    """A quoted piece of a template, short enough for an error message."""
    return text if len(text) <= 60 else text[:57] + "..."


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
    if template_problems(template, limit=1):
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
