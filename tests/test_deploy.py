"""The deployment files in deploy/ parse, and every command they run is one the CLI takes.

Docker cannot build on the CI machine; this checks what can be checked without it."""

import configparser
import json
import re
import shlex

import pytest
import yaml

from soloops.cli import build_parser
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def assert_soloops_command(argv: list[str]) -> None:
    assert argv[0].endswith("soloops"), argv
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"the CLI refuses {' '.join(argv)}")


def test_compose_runs_web_two_workers_a_scheduler_postgres_and_redis():
    # given
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]

    # then
    assert {"web", "worker", "scheduler", "postgres", "redis"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] == 2
    for service in services.values():
        if "command" in service:
            assert_soloops_command(service["command"])
    assert services["web"]["environment"]["SOLOOPS_TASK_BACKEND"] == "celery"


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_parse_and_run_soloops_commands(unit):
    # given
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(unit.read_text())

    # then
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    assert parser["Service"]["User"] == "soloops"
    assert_soloops_command(shlex.split(parser["Service"]["ExecStart"]))


def test_there_is_a_unit_for_each_role():
    names = {u.name for u in UNITS}
    assert names == {"soloops-web.service", "soloops-worker@.service", "soloops-scheduler.service"}


def test_dockerfile_is_slim_non_root_with_a_healthcheck():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim$", text, re.M)
    assert re.search(r"^USER soloops$", text, re.M)
    assert "HEALTHCHECK" in text and "/healthz" in text
    (cmd,) = re.findall(r"^CMD (\[.*\])$", text, re.M)
    assert_soloops_command(json.loads(cmd))


def test_every_setting_in_the_env_example_is_documented():
    readme = (REPO / "README.md").read_text()
    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "systemd" / "env.example").read_text(), re.M)
    assert len(names) >= 10
    assert [n for n in names if f"| `{n}` |" not in readme] == []
