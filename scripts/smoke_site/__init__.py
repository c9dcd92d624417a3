"""A one-view site built from the installed wheel: scripts/package-check.sh runs it."""
