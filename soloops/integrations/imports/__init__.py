"""The import machinery, kept apart from the database: read a file of any supported format and
encoding into numbered rows (readers), match its header to fields (mapping), clean each cell
(cleaning), and check and write rows of one kind of thing (entities, runner)."""
