"""A free TCP port on 127.0.0.1 within a test's own range, for the servers tests start."""

from __future__ import annotations

import socket

import pytest


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"No free port on 127.0.0.1 in {ports.start}-{ports.stop - 1}.")
