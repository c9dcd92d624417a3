#!/usr/bin/env bash
# The package as a user gets it. From a clean clone of the committed tree, checked out without
# symlinks: build the sdist and the wheel (the wheel from the sdist), twine check --strict both,
# check what each carries, install the wheel into a fresh venv with Django, DRF and
# modeltranslation from PyPI, and run the smoke site of scripts/smoke_site/ on it.
# Needs build and twine (the dev extra): PYTHON names the interpreter, .venv's by default.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { echo "-- package check: $*"; }
fail() {
  echo "package check FAILED: $*" >&2
  exit 1
}
# Runs a command with its output kept aside, shown only when it fails.
quiet() {
  local what=$1
  shift
  if ! "$@" >"$work/output.log" 2>&1; then
    cat "$work/output.log" >&2
    fail "$what"
  fi
}

step "clean clone of $(git rev-parse --short HEAD) (the committed tree), symlinks off"
quiet "git clone of $PWD" git clone --quiet --no-local -c core.symlinks=false "$PWD" "$work/clone"
links=$(git -C "$work/clone" ls-files --stage | awk '$1 == "120000" { print $4 }')
[ -z "$links" ] || fail "the tree holds symlinks, which a checkout without symlinks turns into plain files: $links"

step "python -m build (the sdist, then the wheel from the sdist)"
quiet "python -m build" "$PYTHON" -m build --outdir "$work/dist" "$work/clone"
sdist=$(ls "$work"/dist/*.tar.gz)
wheel=$(ls "$work"/dist/*.whl)

step "twine check --strict"
quiet "twine check --strict $(basename "$sdist") $(basename "$wheel")" \
  "$PYTHON" -m twine check --strict "$sdist" "$wheel"

step "contents of $(basename "$sdist") and $(basename "$wheel")"
tar -tzf "$sdist" | cut -d/ -f2- >"$work/sdist.txt"
"$PYTHON" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' \
  "$wheel" >"$work/wheel.txt"
for language in fr de es; do
  for file in django.po django.mo; do
    name="apierrors/locale/$language/LC_MESSAGES/$file"
    grep -qx "$name" "$work/sdist.txt" || fail "the sdist lacks $name"
    grep -qx "$name" "$work/wheel.txt" || fail "the wheel lacks $name"
  done
done
# The tests need the whole repository (the demo project, the docs, the benchmarks): they stay
# out of the sdist (MANIFEST.in), which holds what builds the wheel.
strays=$(grep -E '^(tests|project|scripts|benchmarks|docs)/' "$work/sdist.txt" || true)
[ -z "$strays" ] || fail "the sdist carries files of the repository, not of the package: $strays"
strays=$(grep -Ev '^(apierrors/|django_apierrors-[^/]*\.dist-info/)' "$work/wheel.txt" || true)
[ -z "$strays" ] || fail "the wheel carries files outside apierrors/: $strays"

step "the wheel in a fresh venv, with its dependencies from PyPI"
quiet "python -m venv" "$PYTHON" -m venv "$work/venv"
quiet "pip install $(basename "$wheel")" "$work/venv/bin/python" -m pip install "$wheel"
"$work/venv/bin/python" -m pip list --format=freeze 2>/dev/null |
  grep -iE '^(django|djangorestframework|django-modeltranslation|django-apierrors)==' |
  sed 's/^/   /'

step "the smoke site on SQLite (check, migrate, one error in French and German, its log rows)"
mkdir "$work/site"
cp -R "$work/clone/scripts/smoke_site" "$work/site/"
# Run from a folder without the sources, so that apierrors is the installed wheel's.
(cd "$work/site" &&
  env -u PYTHONPATH DJANGO_SETTINGS_MODULE=smoke_site.settings \
    SMOKE_SITE_DATABASE="$work/smoke.sqlite3" "$work/venv/bin/python" -m smoke_site.check) ||
  fail "the smoke site (its message is above)"
step "passed"
