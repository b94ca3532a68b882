"""A gunicorn server on a free loopback port, for the benchmarks that load the web tier."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(*, wsgi: str, port: int, workers: int, env: Mapping[str, str]) -> subprocess.Popen:
    """gunicorn (sync workers) serving `wsgi` on 127.0.0.1:`port`, returned once /healthz answers 200."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            wsgi,
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--log-level=warning",
            f"--chdir={ROOT}",
        ],
        env=dict(env),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start within 60 s")
