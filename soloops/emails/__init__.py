"""Every email the shop sends: templates the owner may edit, and each send with its retries.

Owns ``EmailTemplate`` (the owner's overrides of the default templates shipped under
``templates/emails/defaults/``) and ``EmailSend`` (one outbound email, sent at most once per
idempotency key). Emits ``email.queued``, ``email.sent``, ``email.failed``, ``email.gave_up``
and ``email_template.updated`` / ``email_template.reset``. Its flow actions (``actions.py``)
email customers about their orders, payments and shipments — called by the default flows — and
the owner.
"""
