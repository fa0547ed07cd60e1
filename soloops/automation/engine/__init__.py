"""The flow engine. ``soloops.automation.services`` exposes it to the rest of SoloOps.

- ``state``: ``RunState``, a locked run with its step rows and the writes of a stretch
- ``steps/``: one module per step kind (do, if, wait, wait_for, approve): execute, dry run
- ``outcomes``: what a step asks for (next, wait, call outside, fail, finish), applied in one place
- ``advance``: stretches of steps, one transaction each
- ``outside``: the two-transaction protocol for actions with outside effects
- ``compensation``: undoing a cancelled run's steps, each as an engine step
- ``control``: the owner's retry, skip, cancel and decide
- ``triggers``: events, schedules, webhooks and clicks that start or resume runs
- ``dispatch``: handing runs to workers in batches; the scheduler's wake-up of due runs
"""
