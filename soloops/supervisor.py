"""``soloops run``: start web, worker and scheduler, restart one that dies, stop all on Ctrl-C.

Children run in their own sessions, so a Ctrl-C in the terminal reaches only this supervisor,
which then sends each child exactly one SIGTERM (their graceful stop) and waits for it.
"""

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

logger = logging.getLogger("soloops.supervisor")

GRACE_SECONDS = 15.0
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the supervisor itself is killed, leaving no orphan."""
    os.setsid()
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, preexec_fn=_die_with_parent)
        print(f"soloops: started {self.name} (pid {self.process.pid})", flush=True)


def supervise(children: list[Child]) -> int:
    stopping = False

    def _request_stop(signum, frame):
        nonlocal stopping
        if not stopping:
            print(f"soloops: {signal.strsignal(signum)}; stopping…", flush=True)
        stopping = True

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    for child in children:
        child.start()
    exit_code = 0
    while not stopping:
        for child in children:
            code = child.process.poll()
            if code is None:
                continue
            now = time.monotonic()
            child.restarts = [t for t in child.restarts if now - t < RESTART_WINDOW_SECONDS]
            if len(child.restarts) >= MAX_RESTARTS:
                print(
                    f"soloops: {child.name} keeps failing (exit {code}); stopping everything",
                    file=sys.stderr,
                    flush=True,
                )
                stopping, exit_code = True, 1
                break
            print(f"soloops: {child.name} exited with {code}; restarting", file=sys.stderr)
            child.restarts.append(now)
            child.start()
        if not stopping:
            time.sleep(0.5)
    return max(exit_code, _stop_all(children))


def _stop_all(children: list[Child]) -> int:
    running = [c for c in children if c.process and c.process.poll() is None]
    for child in running:
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    worst = 0
    for child in running:
        try:
            code = child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"soloops: {child.name} did not stop in time; killing it", file=sys.stderr)
            child.process.kill()
            code = child.process.wait()
        if code not in (0, -signal.SIGTERM):
            worst = 1
    print("soloops: stopped", flush=True)
    return worst
