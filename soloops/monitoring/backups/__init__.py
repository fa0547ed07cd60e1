"""Backup and restore of the whole shop: the database and the secrets generated into ``var/``.

- ``archive``: the file format — a gzip'd tar with ``manifest.json`` (version, migrations,
  time, row counts, each member's SHA-256), optionally encrypted with a passphrase;
- ``database``: a consistent copy of a running shop's database (SQLite's online backup API,
  PostgreSQL's ``pg_dump`` in the snapshot the row counts were taken in) and loading it back;
- ``retention``: which backups to keep (7 daily, 4 weekly, 12 monthly).

The services that use them (record, event, rotation, the nightly run) are in
``soloops.monitoring.services``; the commands are ``soloops backup`` and ``soloops restore``.
"""
