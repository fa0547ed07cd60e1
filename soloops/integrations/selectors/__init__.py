"""The integrations app's reads, one module per part (imports.py: import jobs and mappings)."""
