#!/usr/bin/env bash
# The whole test suite; DATABASE_URL and REDIS_URL, when set, point it at PostgreSQL and Redis.
# Arguments go to pytest: scripts/test.sh -m "not slow" is the fast local loop (about 35 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy apierrors
# The layers and import rules of [tool.importlinter] in pyproject.toml.
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
