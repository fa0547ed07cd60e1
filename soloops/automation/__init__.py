"""Automation: the flow engine — flows, versions, runs, step kinds, actions, triggers, BPMN,
and cron schedules.

The event log it reacts to is the bottom layer, ``soloops.events`` (its ``Event`` and
``Delivery`` models still live here, in ``models.py``, for their migrations' sake).

Emits: ``schedule.*``, ``flow.*``, ``flow_run.*``.
"""
