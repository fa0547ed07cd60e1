"""Automation flows: documents the owner edits, the safe language inside them, the actions
they call, and the engine that runs them durably (see ``engine.py``)."""
