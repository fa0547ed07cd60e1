"""Accounts: users and their roles (owner / staff / viewer), API tokens, and who acted (actors).

Emits: ``user.created``, ``token.created``, ``token.revoked``.
"""
