"""Automation: the event log (transactional outbox), its dispatch to handlers, and schedules.

Every business fact is an ``Event`` row written in the same transaction as the change it
describes. After commit a task dispatches it to the handlers the registry names; each
(event, handler) delivery is recorded once, so dispatching twice never runs a handler twice.
The scheduler fires cron schedules and relays events whose dispatch was lost.

Emits: ``schedule.fired``.
"""
