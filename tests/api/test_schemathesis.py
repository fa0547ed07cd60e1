"""Schemathesis over the whole API (``--checks all``) against a real ``soloops web`` process.

Bounded: a fixed seed and a few examples per operation, each phase run once (about 80 s under
load). SOLOOPS_FUZZ_SECONDS=N gives it a time budget instead, which schemathesis spends whole,
repeating fuzzing and stateful testing: a longer search, by hand.
The bar is zero server errors: any 5xx fails the test with the requests that caused it. Other
check failures (a status code the document does not list, say) are printed for the reader.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from tests.factories import make_variant

MAX_EXAMPLES = int(os.environ.get("SOLOOPS_FUZZ_EXAMPLES", "5"))
MAX_SECONDS = int(os.environ.get("SOLOOPS_FUZZ_SECONDS", "0"))
SYSTEM = Actor.system("fuzz")


def _st() -> str:
    return str(Path(sys.executable).with_name("st"))


# ST101 "Server error", ST102 "Server error on undeclared request Content-Type".
SERVER_ERRORS = {"ST101", "ST102"}


def _server_errors(report: dict) -> list[dict]:
    return [f for f in report.get("failures", []) if f.get("code") in SERVER_ERRORS]


@pytest.mark.processes
def test_no_operation_answers_a_server_error(web_server, tmp_path):
    # given an owner's write token and a little data for the fuzzer to find
    owner = user_create(
        username="fuzzer",
        email="fuzz@example.com",
        password="correct horse battery staple 42",
        role="owner",
        actor=SYSTEM,
    )
    secret = token_create(user=owner, name="fuzz", scope="write", actor=SYSTEM).secret
    make_variant("MUG-1")
    report_path = tmp_path / "report.json"

    # when
    run = subprocess.run(
        [
            _st(),
            "run",
            f"{web_server}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            *(["--max-time", str(MAX_SECONDS)] if MAX_SECONDS else []),
            "--seed",
            "20261206",
            "--workers",
            "1",
            "--continue-on-failure",
            "--request-timeout",
            "30",
            "--header",
            f"Authorization: Bearer {secret}",
            "--report",
            "json",
            "--report-json-path",
            str(report_path),
            "--exclude-path-regex",
            r"/api/(docs|openapi\.json)$",
        ],
        capture_output=True,
        text=True,
        timeout=(MAX_SECONDS or 600) + 240,
        check=False,
        cwd=tmp_path,  # its cache directory stays out of the work tree
    )

    # then
    assert report_path.exists(), run.stdout[-5000:] + run.stderr[-5000:]
    report = json.loads(report_path.read_text())
    assert report["operations"]["tested"] == report["operations"]["selected"] > 80
    for failure in report["failures"]:
        print(failure["code"], failure["title"], failure["count"], failure["operations"])
    assert _server_errors(report) == [], run.stdout[-20_000:]
