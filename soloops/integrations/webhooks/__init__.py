"""Outbound webhooks' pieces that touch no table: which types a subscription takes
(``patterns``), the signature (``signing``) and the POST itself (``transport``)."""
