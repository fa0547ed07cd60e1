"""The task ``bench/flows.py`` measures its ceiling with: it does nothing, so what a worker
spends on it is the task backend's own cost of one task (claim, run, record the result).

A module of its own because the workers import it by path after Django is set up, while
``bench/flows.py`` itself runs without Django."""

from django.tasks import task


@task()
def noop() -> None:
    return None
