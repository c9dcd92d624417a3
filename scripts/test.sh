#!/usr/bin/env bash
# ruff, mypy, import-linter, the documentation's strict build, then the whole test suite;
# DATABASE_URL and REDIS_URL, when set, point it at PostgreSQL and Redis.
# Arguments go to pytest: scripts/test.sh -m "not slow" is the fast local loop (about 35 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy apierrors
# The layers and import rules of [tool.importlinter] in pyproject.toml.
.venv/bin/lint-imports
# The documentation site: a broken link or anchor, or a page missing from the nav, fails here.
# Not --quiet: it hides the warnings that --strict counts. NO_MKDOCS_2_WARNING silences
# mkdocs-material's notice about its successor.
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir .venv/site
exec .venv/bin/python -m pytest "$@"
