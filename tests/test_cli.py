"""The ``soloops`` command, run as a newcomer or an operator runs it: as a real process.

``demo`` and ``init`` run exactly as typed in a fresh shell — the installed ``soloops`` script,
no ``DATABASE_URL`` (so their own SQLite file), a fresh ``SOLOOPS_VAR_DIR`` and the default
settings module. Commands that must see the test database get the ``process_env`` environment.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from soloops.monitoring.models import Heartbeat
from soloops.monitoring.services import heartbeat_beat
from tests.conftest import REPO, free_port, wait_until

pytestmark = pytest.mark.processes

SOLOOPS = str(Path(sys.executable).parent / "soloops")


def newcomer_env(var_dir: Path) -> dict[str, str]:
    """A shell with nothing configured but where SoloOps keeps its files."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "SOLOOPS_", "DJANGO_", "CELERY_"))
        and k not in {"DATABASE_URL", "EMAIL_URL", "PYTHONPATH"}
    }
    env["SOLOOPS_VAR_DIR"] = str(var_dir)
    return env


def soloops(*args: str, env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SOLOOPS, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def http_get(url: str) -> tuple[int, str] | None:
    """(status, body), or None while nothing answers on the port yet."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http://)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None


def _proc_stat(pid: int) -> list[str] | None:
    """Fields 3 onwards of /proc/<pid>/stat (state, ppid, ...), or None if there is no such pid."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces or ")".
    return text[text.rindex(")") + 2 :].split()


def descendants(root: int) -> dict[int, str]:
    """Every process below ``root`` (children run in their own sessions, so walk ppid links),
    mapped to its start time, which tells a pid reused later apart from the original."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _proc_stat(int(entry.name))):
            table[int(entry.name)] = (int(fields[1]), fields[19])
    found: dict[int, str] = {}
    parents = [root]
    while parents:
        parent = parents.pop()
        for pid, (ppid, start_time) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = start_time
                parents.append(pid)
    return found


def is_alive(pid: int, start_time: str) -> bool:
    fields = _proc_stat(pid)
    return fields is not None and fields[19] == start_time and fields[0] != "Z"


# --- a newcomer's first run -----------------------------------------------------------------


class Demo:
    """``soloops demo`` started as a newcomer starts it, on a free port, in a fresh directory."""

    def __init__(self, tmp_path: Path) -> None:
        self.cwd = tmp_path
        self.var_dir = tmp_path / "var"
        self.output_path = tmp_path / "demo.out"
        self.base_url = f"http://127.0.0.1:{free_port()}"
        self.children: dict[int, str] = {}
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(
                [SOLOOPS, "demo", "--port", self.base_url.rsplit(":", 1)[1]],
                env=newcomer_env(self.var_dir),
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.output_path.read_text()

    def wait_until_ready(self) -> None:
        """Serving and ready; then remember every process the demo started."""
        # Generous: the demo loads its shop first, on a machine other tests keep busy.
        wait_until(
            lambda: http_get(f"{self.base_url}/healthz") == (200, '{"status": "ok"}'),
            timeout=300,
            what=lambda: f"/healthz to answer 200; output:\n{self.output()[-3000:]}",
        )
        ready = wait_until(
            lambda: (r := http_get(f"{self.base_url}/readyz")) and r[0] == 200 and r,
            timeout=120,
            what="/readyz to answer 200",
        )
        assert json.loads(ready[1])["status"] == "ready"
        roles = {
            line.split()[2]: int(line.rsplit("pid ", 1)[1].rstrip(")"))
            for line in self.output().splitlines()
            if line.startswith("soloops: started ")
        }
        assert set(roles) == {"web", "worker", "scheduler"}
        self.children = descendants(self.process.pid)
        assert set(roles.values()) <= set(self.children)
        assert set(descendants(roles["web"])), "the web server runs worker processes of its own"

    def remaining(self) -> list[int]:
        return [pid for pid, start_time in self.children.items() if is_alive(pid, start_time)]

    def kill_all(self) -> None:
        """Whatever a failed test left running (these are processes the test started)."""
        for pid in self.remaining():
            os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def demo(tmp_path):
    demos: list[Demo] = []

    def start() -> Demo:
        demos.append(Demo(tmp_path))
        return demos[-1]

    yield start
    for started in demos:
        started.kill_all()


@pytest.mark.newcomer
def test_demo_serves_gets_ready_and_stops_everything_on_ctrl_c(demo):
    # given a newcomer ran the demo in a fresh directory
    shop = demo()

    # then it serves, with its own database, and turns ready once its worker beats
    shop.wait_until_ready()
    assert (shop.var_dir / "soloops.sqlite3").exists()

    # when the newcomer presses Ctrl-C
    shop.process.send_signal(signal.SIGINT)

    # then it exits cleanly, leaving no process behind, having shown the owner login once
    assert shop.process.wait(timeout=60) == 0
    assert shop.remaining() == []
    output = shop.output()
    assert output.count("username: owner") == 1
    assert output.count("password: ") == 1
    assert "soloops: stopped" in output


@pytest.mark.newcomer
def test_demo_shows_the_login_last_in_a_box_saves_it_and_links_emails_to_its_port(demo):
    # given a newcomer ran the demo on a port of their choice
    shop = demo()
    shop.wait_until_ready()

    # then the login is the last thing before serving, boxed, with the demo's address
    output = shop.output()
    box = output[output.index("+--") : output.index("soloops: serving on")]
    password = box.split("password: ", 1)[1].split()[0]
    assert f"SoloOps demo: {shop.base_url}/" in box
    assert "username: owner" in box
    # and quiet: no INFO lines from the processes it started
    assert " INFO " not in output[output.index("soloops: serving on") :]

    # and it is saved where the box says, readable only by its owner
    saved = shop.var_dir / "owner-password"
    assert str(saved) in box
    assert saved.stat().st_mode & 0o777 == 0o600
    assert saved.read_text() == f"username: owner\npassword: {password}\n"

    # when a customer orders (through the API, with a token of the owner's)
    env = newcomer_env(shop.var_dir)
    created = soloops(
        "token",
        "create",
        "--user",
        "owner",
        "--name",
        "t",
        "--scope",
        "write",
        env=env,
        cwd=shop.cwd,
    )
    assert created.returncode == 0, created.stderr
    token = next(w for w in created.stdout.split() if w.startswith("sot_"))
    stock = api(shop.base_url, token, "/api/stock?limit=100")["items"]
    sku = next(item["sku"] for item in stock if item["available"] >= 1)
    order = api(
        shop.base_url,
        token,
        "/api/orders",
        {
            "email": "newcomer@example.com",
            "name": "New Comer",
            "lines": [{"sku": sku, "quantity": 1}],
            "shipping_address": {
                "name": "New Comer",
                "line1": "1 High St",
                "city": "London",
                "postal_code": "N1 1AA",
                "country": "GB",
            },
        },
    )
    assert order["status"] == "accepted", order

    # then the confirmation email links to the port the demo serves on
    mail = shop.var_dir / "mail"
    link = f"{shop.base_url}/shop/orders/"
    wait_until(
        lambda: mail.is_dir() and any(link in f.read_text() for f in mail.iterdir()),
        timeout=120,
        what=lambda: f"an email linking to {link}; log:\n{shop.output()[-3000:]}",
    )


def api(base_url: str, token: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 (loopback http)
        base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.mark.newcomer
def test_demo_killed_outright_leaves_no_orphans(demo):
    # given a running demo
    shop = demo()
    shop.wait_until_ready()

    # when its supervisor is killed without a chance to stop its children
    shop.process.send_signal(signal.SIGKILL)
    assert shop.process.wait(timeout=10) == -signal.SIGKILL

    # then every process it started stops by itself
    wait_until(lambda: shop.remaining() == [], what="the demo's processes to stop")


@pytest.mark.newcomer
def test_init_a_second_time_reuses_the_database_and_keeps_the_owner(tmp_path):
    # given a var directory set up once
    env = newcomer_env(tmp_path)
    first = soloops("init", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("password: ") == 1
    # the support classifier is trained at init, not on a customer's first message
    assert "soloops: support classifier " in first.stdout
    assert len(list((tmp_path / "support").glob("intent-model-*.pickle"))) == 1
    database = tmp_path / "soloops.sqlite3"
    inode = database.stat().st_ino

    # when init runs again
    second = soloops("init", env=env, cwd=tmp_path)

    # then it keeps the database and the owner, and shows no new password
    assert second.returncode == 0, second.stderr
    assert "an owner account exists already" in second.stdout
    assert "password" not in second.stdout
    assert "support classifier" not in second.stdout  # the model in var/ is reused
    assert database.stat().st_ino == inode
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT username, role FROM accounts_user").fetchall() == [
            ("owner", "owner")
        ]


# --- help and errors ------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["token", "create", "--help"], ["demo", "--help"]])
def test_help_exits_zero(tmp_path, args):
    result = soloops(*args, env=newcomer_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: soloops")


def test_an_error_is_one_line_and_exits_one(process_env):
    result = soloops("token", "create", "--user", "nobody", "--name", "x", env=process_env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["soloops: error: no user named 'nobody'"]
    assert result.stdout == ""


def test_check_fails_with_a_reason_until_a_worker_heartbeat_is_fresh(process_env):
    # given no worker has ever beaten
    result = soloops("check", env=process_env)
    assert result.returncode == 1
    [error] = result.stderr.splitlines()
    assert error.startswith("soloops: error: not ready: worker: no worker heartbeat")

    # given a worker that beat long ago
    long_ago = timezone.now() - timedelta(hours=1)
    heartbeat_beat(process_id="worker-old", role="worker", started_at=long_ago)
    Heartbeat.objects.filter(process_id="worker-old").update(beat_at=long_ago)
    result = soloops("check", env=process_env)
    assert result.returncode == 1
    assert "no worker heartbeat" in result.stderr

    # given a worker beating now
    heartbeat_beat(process_id="worker-new", role="worker", started_at=timezone.now())
    result = soloops("check", env=process_env)
    assert result.returncode == 0, result.stderr
    assert "all checks passed" in result.stdout


def test_check_deploy_names_each_unsafe_setting(process_env):
    # given a laptop's settings
    env = {**process_env, "SOLOOPS_SECURE_COOKIES": "false", "SOLOOPS_BACKUP_HOUR": "off"}

    # when
    result = soloops("check", "--deploy", env=env)

    # then
    assert result.returncode == 1
    assert "SOLOOPS_SECURE_COOKIES is off" in result.stdout
    assert "SOLOOPS_BACKUP_HOUR is off" in result.stdout
    assert "settings are unsafe for production" in result.stderr


def test_check_deploy_passes_a_production_setup(process_env):
    # given
    env = {
        **process_env,
        "SOLOOPS_SECRET_KEY": "k" * 60 + "-Zq9!xR2@vT7#mW4$",
        "SOLOOPS_SECURE_COOKIES": "true",
        "SOLOOPS_ALLOWED_HOSTS": "shop.example.com",
        "SOLOOPS_PAYMENT_PROVIDERS": "manual,stripe",
        "SOLOOPS_BACKUP_HOUR": "3",
        "SOLOOPS_BACKUP_PASSPHRASE": "a long passphrase",
        "SOLOOPS_SITE_URL": "https://shop.example.com",
    }

    # when
    result = soloops("check", "--deploy", env=env)

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deployment settings ok" in result.stdout
