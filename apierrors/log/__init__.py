"""The error log: the record, redaction, storms, the background writer and the storage of rows."""
