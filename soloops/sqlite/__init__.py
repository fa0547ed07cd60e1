"""SQLite with writers queued in the process (the database backend ``soloops.sqlite``)."""
