"""A web process keeps the tokens it has seen in memory; revoking one in another process still
stops it there (within the recheck interval: the stamp in the shared cache moved)."""

import urllib.error
import urllib.request

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, token_revoke, user_create
from tests.conftest import answers, free_port, wait_until

SYSTEM = Actor.system("test")


def status(base: str, secret: str) -> int:
    url, headers = f"{base}/api/orders", {"Authorization": f"Bearer {secret}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_token_revoked_elsewhere_stops_working_in_a_running_web_process(processes):
    # given a web process with the production recheck interval that has used the token
    owner = user_create(
        username="olivia",
        email="o@example.com",
        password="x" * 12 + "Aa1!",
        role="owner",
        actor=SYSTEM,
    )
    issued = token_create(user=owner, name="shop", scope="write", actor=SYSTEM)
    port = free_port()
    web = processes.start(
        "web",
        "--port",
        str(port),
        "--workers",
        "1",
        "--threads",
        "2",
        env={"SOLOOPS_PROCESS_CACHE_RECHECK": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{base}/healthz") or web.poll() is not None, timeout=60)
    assert status(base, issued.secret) == 200, processes.log(web)

    # when this process revokes it
    token_revoke(token=issued.token, actor=SYSTEM)

    # then the web process refuses it (once its next re-check sees the moved stamp)
    wait_until(
        lambda: status(base, issued.secret) == 401,
        timeout=30,
        what=lambda: f"the revoked token to be refused\n{processes.log(web)}",
    )
