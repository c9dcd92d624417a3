#!/usr/bin/env bash
# The demo: set-up, migrate SQLite (which loads the catalog), demo data and admin, then serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo_seed
exec .venv/bin/python manage.py runserver 127.0.0.1:8000 "$@"
