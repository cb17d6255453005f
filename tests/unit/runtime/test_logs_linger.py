"""`run logs --linger`: the log pod's process stays alive after its window and ends cleanly on SIGTERM.

The runtime image has no shell, so this replaces `sh -c "replaybed run logs ...; exec sleep"`.
A real process gets real signals here (as the container's PID 1 would from the kubelet).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from replaybed.artifacts import bundle
from replaybed.schemas.scenario_id import ScenarioId

POD = "shippingservice-1"
PAST = "2025-01-01T00:00:00Z"  # the whole window lies in the past: printed at once


def _logs(tiny_store, *extra):
    return [
        sys.executable,
        "-m",
        "replaybed",
        "run",
        "logs",
        "--scenario",
        "cloudbed-1/000",
        "--store",
        str(tiny_store.backend.root),
        "--pod",
        POD,
        *extra,
    ]


def _wait_for(path, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_it_prints_the_window_stays_alive_and_exits_0_on_sigterm(tiny_store, tmp_path):
    once = subprocess.run(_logs(tiny_store, "--anchor", PAST), capture_output=True, check=True)
    _, manifest = bundle.resolve(tiny_store, ScenarioId.parse("cloudbed-1/000"))
    lines = next(p.log_lines for p in manifest.pods if p.name == POD)
    assert once.stdout.count(b"\n") == lines > 0
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        _logs(tiny_store, "--anchor", PAST, "--linger", "--ready-file", str(ready)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _wait_for(ready, proc)
    time.sleep(1.0)
    assert proc.poll() is None, "a lingering log pod must keep running after its window"
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - began < 5
    assert proc.returncode == 0, err
    assert out == once.stdout  # everything was printed, and nothing else


def test_sigint_ends_the_linger_cleanly_too(tiny_store, tmp_path):
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        _logs(tiny_store, "--anchor", PAST, "--linger", "--ready-file", str(ready)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_for(ready, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_sigterm_before_the_window_is_printed_exits_143(tiny_store, tmp_path):
    # anchored now: the lines after the fault are still due, so the replay is waiting for them
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        _logs(tiny_store, "--anchor", "now", "--linger", "--ready-file", str(ready)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_for(ready, proc)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 143, err


def test_without_linger_the_command_ends_with_its_window(tiny_store):
    done = subprocess.run(_logs(tiny_store, "--anchor", PAST), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
