"""Accounts: users and their roles (owner / staff / viewer), API tokens, and who acted (actors).

Emits: ``user.created``, ``user.role_changed``, ``user.deactivated``, ``user.reactivated``,
``user.language_changed``, ``token.created``, ``token.revoked``.
"""
