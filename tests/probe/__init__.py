"""A test-only app: handlers for ``probe.*`` events that leave traces a test can observe."""
