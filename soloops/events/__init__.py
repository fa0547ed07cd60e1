"""The bottom layer: what every app needs to record business facts.

- ``catalogue``: the typed catalogue of event types;
- ``services``: the transactional outbox — ``event_emit`` in the caller's transaction,
  dispatch after commit, the relay of lost dispatches, history imports;
- ``registry``: the explicit map from event types to handlers (each app's ``events.HANDLERS``),
  and the dispatch scopes an app above may add;
- ``selectors``: an object's timeline (the events about it);
- ``tasks``: the dispatch task the worker runs;
- ``models``: the ``Event`` and ``Delivery`` tables (private: read them through the
  selectors; the flow engine, which administers the log, is the one app above allowed in).
"""
