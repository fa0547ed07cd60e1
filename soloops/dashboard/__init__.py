"""Dashboard: the owner's web console (templates and HTMX views). Emits nothing itself."""
