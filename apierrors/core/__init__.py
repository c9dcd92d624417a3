"""Pure building blocks: exceptions, resolving, entries, client errors, ids; no I/O, no settings."""
