"""The bottom layer: what every app needs to record business facts.

Today it holds the catalogue of event types (``catalogue``); the event log itself (the outbox,
deliveries, dispatch, relay and the handler registry) still lives in ``soloops.automation`` and
moves here next, so that no app above needs the flow engine to record an event.
"""
