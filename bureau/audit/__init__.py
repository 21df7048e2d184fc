"""The access log: append-only, one entry for every release of data about a subject."""
