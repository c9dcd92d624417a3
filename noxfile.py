"""The tested matrix: each supported Python with each Django it runs on (`nox -l` lists them)."""

from __future__ import annotations

import re

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
# A Python missing from the machine fails the run instead of skipping its sessions.
nox.options.error_on_missing_interpreters = True

# Django 5.2 runs on Python 3.10 to 3.13, Django 6.x on 3.12 and newer.
MATRIX = [
    *(("5.2", python) for python in ("3.10", "3.11", "3.12", "3.13")),
    *((django, python) for django in ("6.0", "6.1") for python in ("3.12", "3.13")),
]
# .ci/run runs the whole suite on this pairing in .venv (scripts/test.sh), and the fast subset on
# every session tagged "ci".
WHOLE_SUITE = ("5.2", "3.11")
FAST = ("-m", "not slow")


@nox.session
@nox.parametrize(
    ("django", "python"),
    [
        nox.param(
            django,
            python,
            id=f"py{python}-django{django}",
            tags=[] if (django, python) == WHOLE_SUITE else ["ci"],
        )
        for django, python in MATRIX
    ],
)
def tests(session: nox.Session, django: str) -> None:
    """The fast subset (-m "not slow") on one pairing; pytest arguments after `--` replace it."""
    session.install("-e", ".[test]", f"Django~={django}.0")
    session.run("python", "-m", "pytest", *(session.posargs or FAST))


@nox.session(python="3.10", tags=["ci"])
def lowest(session: nox.Session) -> None:
    """The fast subset on the oldest Python with each dependency at its lower bound."""
    dependencies = nox.project.load_toml("pyproject.toml")["project"]["dependencies"]
    pins = [re.sub(r">=([^,]+).*", r"==\1", requirement) for requirement in dependencies]
    session.install("-e", ".[test]", *pins)
    session.run("python", "-m", "pytest", *(session.posargs or FAST))
