"""Customers: who buys — contact data, language, addresses, tags, notes, marketing consent (when
and how), their order totals, RFM segments and saved segments, predicted lifetime value; merge
of two records of one person; privacy export and erasure.

Orders and emails sit above this app: what they hold about a customer comes through
``registry`` (filled from their ``AppConfig.ready``), and totals follow their events.

Emits: ``customer.created``, ``customer.updated``, ``customer.tagged``, ``customer.untagged``,
``customer.note_added``, ``customer.consent_changed``, ``customer.merged``,
``customer.exported``, ``customer.erased``, ``customer.segment_changed``,
``customer.ltv_fitted``, ``segment.saved``, ``segment.deleted``.
"""
