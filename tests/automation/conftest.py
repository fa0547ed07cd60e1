"""Flow tests: publishing flows, starting and settling runs, a local HTTP receiver, API callers.

Runs settle through the real task path: ``settle()`` runs every queued task (event dispatch,
run advance) with the database worker in this process until the queue is empty. Time moves
by calling ``flow_runs_wake_due(now=...)`` with a later ``now``, never by sleeping.
"""

import json
import shutil
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event, Flow, FlowRun, StepRun
from soloops.automation.services import flow_import, flow_runs_wake_due
from soloops.automation.services.runs import flow_run_start_manual
from soloops.events.services import event_emit

SYSTEM = Actor.system("test")
PASSWORD = "correct horse battery staple 42"

# An approve step, then a write; rejecting (or nobody deciding in 2 days) writes told-no.
APPROVE_FLOW = """\
name: Refund above 100
trigger: {manual: true}
steps:
  - approve:
      message: "Refund {{ trigger.manual.amount }} to {{ trigger.manual.who }}?"
      timeout: 2d
    on_reject:
      - do: probe.write
        with: {name: told-no}
  - do: probe.write
    with: {name: "after {{ trigger.manual.who }}"}
"""


def publish(source: str, key: str | None = None) -> Flow:
    """Save ``source`` as a new version and publish it (what ``soloops flow import`` does)."""
    return flow_import(source=source, key=key, actor=SYSTEM)


def start(flow: Flow, **inputs) -> FlowRun:
    """Start a manual flow's run by hand, as the owner would."""
    return flow_run_start_manual(flow=flow, inputs=inputs, actor=SYSTEM)


def emit(type: str, subject=("probe.thing", 1), **payload) -> Event:
    with transaction.atomic():
        return event_emit(type=type, subject=subject, payload=payload, actor=SYSTEM)


def steps_of(run: FlowRun) -> dict[str, str]:
    """Each step's status by its key, in the order the steps ran."""
    return dict(StepRun.objects.filter(run=run).order_by("id").values_list("key", "status"))


def reload(run: FlowRun) -> FlowRun:
    run.refresh_from_db()
    return run


def later(**delta) -> datetime:
    return timezone.now() + timedelta(**delta)


@pytest.fixture
def settle(run_tasks) -> Callable[[], None]:
    """Run every queued task (dispatch, advance) until none is left."""
    return run_tasks


@pytest.fixture
def advance_clock(settle) -> Callable[..., int]:
    """Let the scheduler's timer pass ``delta`` (hours=49, ...) and settle what it woke."""

    def advance(**delta) -> int:
        woken = flow_runs_wake_due(now=later(**delta))
        settle()
        return woken

    return advance


@pytest.fixture
def probe_dir() -> Path:
    """The directory probe actions count calls in, empty for this test."""
    path = Path(settings.PROBE_DIR)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


# --- a local HTTP receiver ------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request (header names lower-cased) and
    answers from a script: ``answers`` is a list of (status, body) used in order; the last
    one repeats."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, str]] = [(200, '{"ok": true}')]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(length),
                    }
                )
                index = min(len(receiver.requests), len(receiver.answers)) - 1
                status, body = receiver.answers[index]
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


# --- API callers ----------------------------------------------------------------------------


class Api:
    """The test client speaking JSON with one user's token, as an API caller would."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, path: str, body=None):
        return self.client.post(
            path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self.headers,
        )

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)


@pytest.fixture
def api_as(transactional_db) -> Callable[[str], Api]:
    """An API caller with a write token of a user in ``role`` (owner, staff, viewer)."""
    made: dict[str, Api] = {}

    def make(role: str) -> Api:
        if role not in made:
            user = user_create(
                username=f"{role}-user",
                email=f"{role}@example.com",
                password=PASSWORD,
                role=role,
                actor=SYSTEM,
            )
            issued = token_create(user=user, name="test", scope="write", actor=SYSTEM)
            made[role] = Api(Client(), {"Authorization": f"Bearer {issued.secret}"})
        return made[role]

    return make
