"""The hook through which the layer above hands figures to ``/metrics``."""


def metrics_gauge_add(*, name: str, help: str, label: str, read) -> None:
    """Serve ``read()`` ({label value: number}) on ``/metrics`` as the gauge ``name``: for the
    apps monitoring may not import, handed over by the layer above both (``soloops.urls``)."""
    # Imported here, not at the top: worker and scheduler import this module, and the
    # prometheus client must not be loaded by a process before it knows its multiprocess dir.
    from soloops.monitoring.collector import gauge_add

    gauge_add(name=name, help=help, label=label, read=read)
