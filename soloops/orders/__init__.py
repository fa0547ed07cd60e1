"""Orders: intake with server-side totals, automatic review, and the order state machine.

Emits one event per transition: ``order.placed``, ``order.accepted``, ``order.on_hold``,
``order.rejected``, ``order.paid``, ``order.fulfilling``, ``order.shipped``,
``order.delivered``, ``order.completed``, ``order.cancelled``.
The owner's tables for intake (``tables.py``, through ``services``) emit
``shipping_rate.created`` / ``.updated`` / ``.deleted``, ``tax_rate.*`` alike, and
``review_policy.updated``.
"""
