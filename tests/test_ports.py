"""The ports tests give the servers they start: never one a browser refuses to open."""

import random

from tests.conftest import BROWSER_UNSAFE_PORTS, PORT_BASE, free_port


def test_a_server_port_is_never_one_chromium_refuses(monkeypatch):
    # given the first worker's block, shuffled so that 10080 (in it, and refused by Chromium
    # with ERR_UNSAFE_PORT) comes first
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    assert PORT_BASE <= 10080 < PORT_BASE + 1000

    def unsafe_first(ports: list[int]) -> None:
        ports.sort(key=lambda port: port not in BROWSER_UNSAFE_PORTS)

    monkeypatch.setattr(random, "shuffle", unsafe_first)

    # when / then
    assert free_port() not in BROWSER_UNSAFE_PORTS
