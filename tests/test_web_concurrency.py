"""``soloops web`` picks its gunicorn workers and threads from the database and the cores."""

import os
from pathlib import Path

import pytest
from django.db import connection

from soloops.cli import build_parser
from soloops.cli.processes import web_concurrency
from tests.conftest import answers, free_port, wait_until


@pytest.mark.parametrize(
    ("engine", "cpus", "expected"),
    [
        ("soloops.sqlite", 1, (1, 8)),
        ("soloops.sqlite", 16, (1, 8)),  # one writer: one process, its threads queued in it
        ("django.db.backends.postgresql", 1, (2, 4)),
        ("django.db.backends.postgresql", 2, (2, 4)),
        ("django.db.backends.mysql", 8, (8, 4)),
    ],
)
def test_the_default_is_one_sqlite_process_or_a_process_per_core(engine, cpus, expected):
    assert web_concurrency(engine, cpus) == expected


@pytest.mark.parametrize("flag", ["--workers", "--threads"])
def test_zero_workers_or_threads_is_refused(flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["web", flag, "0"])
    assert exit_info.value.code == 2
    assert "must be a whole number, 1 or more, not '0'" in capsys.readouterr().err


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


@pytest.mark.processes
def test_web_without_flags_runs_the_default_number_of_workers(processes):
    # given the database of this run and this machine's cores
    workers, _threads = web_concurrency(connection.settings_dict["ENGINE"], os.cpu_count() or 1)

    # when soloops web starts without --workers
    port = free_port()
    web = processes.start("web", "--port", str(port))
    wait_until(
        lambda: answers(f"http://127.0.0.1:{port}/healthz") or web.poll() is not None,
        timeout=60,
        what="the web server to answer /healthz",
    )
    assert web.poll() is None, processes.log(web)

    # then gunicorn (the soloops process itself) forked that many workers
    wait_until(lambda: len(children(web.pid)) == workers, what=lambda: str(children(web.pid)))
