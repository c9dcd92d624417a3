"""The catalog: the store every process reads, the shipped defaults, sync, import/export, drafts."""
