#!/usr/bin/env bash
# nox (noxfile.py, the tested matrix) with an interpreter of each Python it names on PATH:
# pyenv's newest of each when pyenv has one (its shims answer only for the selected version).
# Arguments go to nox: scripts/nox.sh -t ci is what CI runs, scripts/nox.sh -l lists sessions.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if command -v pyenv >/dev/null 2>&1; then
  for python in 3.13 3.12 3.11 3.10; do
    version=$(pyenv versions --bare | grep -E "^${python//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)
    if [ -n "$version" ]; then
      PATH="$(pyenv root)/versions/$version/bin:$PATH"
    fi
  done
  export PATH
fi
exec .venv/bin/nox "$@"
