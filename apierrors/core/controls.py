"""Control characters made visible, so that no stored or printed text can drive a terminal."""

from __future__ import annotations

import re
from typing import Final

# C0 controls, DEL and C1 controls (U+0080 to U+009F: U+009B is a one-byte CSI to many
# terminals). Line feed and tab stay in texts that have lines; so does a carriage return
# that ends a line, as browsers send them in form fields.
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
_LINE_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def escape_controls(text: str, *, keep_lines: bool = True) -> str:
    """``text`` with each control character written as ``\\xNN`` (ESC as the four characters
    ``\\x1b``); with ``keep_lines`` line feeds, tabs and CR LF pairs stay as they are.

    Applying it twice changes nothing more: the escaped form holds no control character.
    """
    pattern = _CONTROLS if keep_lines else _LINE_CONTROLS
    return pattern.sub(_escape, text) if pattern.search(text) else text
