"""Storage: SQLite as the system of record; lexical and vector indexes derived from it."""
