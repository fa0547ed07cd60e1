"""Customers: who buys — email, name, language, addresses, and the owner's (or a flow's) tags.

Emits: ``customer.created``, ``customer.tagged``, ``customer.untagged``.
"""
