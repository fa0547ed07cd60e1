"""The Grafana dashboard shipped in deploy/grafana reads only metrics /metrics serves."""

import json
import re

from soloops.monitoring.models import BackupRecord
from tests.conftest import REPO

DASHBOARD = REPO / "deploy" / "grafana" / "soloops-dashboard.json"
SUFFIXES = ("_bucket", "_count", "_sum")


def test_every_panel_queries_a_metric_we_serve(client, db):
    # given the dashboard and what /metrics serves
    dashboard = json.loads(DASHBOARD.read_text())
    client.get("/healthz")  # so the request series exist
    BackupRecord.objects.create(name="b", path="/b", database="sqlite", size_bytes=1, sha256="0")
    served = client.get("/metrics").content.decode()
    names = set(re.findall(r"^# TYPE (\S+) (\w+)", served, re.M))
    metric_names = set()
    for name, kind in names:
        metric_names.add(name)
        if kind == "counter":
            metric_names.add(f"{name}_total")
        if kind == "histogram":
            metric_names.update(name + s for s in SUFFIXES)

    # when
    queried = {
        metric
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for metric in re.findall(r"soloops_[a-z_]+", target["expr"])
    }

    # then
    assert len(dashboard["panels"]) >= 15
    assert queried - metric_names == set()
    assert {"soloops_backup_age_seconds", "soloops_flow_runs"} <= queried
