"""Customers: who buys — email, name, language, addresses. Later: consent, tags, segments.

Emits: ``customer.created``.
"""
