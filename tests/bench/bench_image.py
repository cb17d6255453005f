"""Startup cost of the runtime image: container start to the first byte pushed, and peak RSS.

Run: .venv/bin/pytest -m bench tests/bench/bench_image.py -s
(REPLAYBED_BENCH_SCALE=full for the real volume; REPLAYBED_BENCH_ROUNDS for fewer rounds.)
The image is built with runtime/build-image.sh and run with `buildah run --isolation chroot` as
uid 10001; side by side, the same command from the host's venv. For each kind, medians over the
rounds of: time from spawning the command (the container start, for the image) to the first
byte the receiver gets (a request on a local HTTP sink for metrics and traces, the first stdout
byte for logs), time to the end, and the replayer's peak RSS (VmHWM, reported by the process
itself). `buildah run` adds its own setup (mounting the rootfs, chroot) to the image column;
the `engine` row is that overhead alone (`test -d /` in the same container).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.image import Buildah, build

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored

pytestmark = pytest.mark.bench
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3"))
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"
PROBE = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    kb = next(int(x.split()[1]) for x in status if x.startswith('VmHWM:'))\n"
    "    print('PEAK_KB', kb, file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "runpy.run_module('replaybed', run_name='__main__')\n"
)


@pytest.fixture(scope="module")
def compiled(small_day, tmp_path_factory):
    lo, hi = catalog.day_start(DAY), catalog.day_start(DAY) + 86400
    record = next(
        r for r, _ in vendored(CLOUDBED) if lo <= r.timestamp - 3600 and r.timestamp + 1800 < hi
    )
    store = tmp_path_factory.mktemp("img") / "store"
    scenario = f"{CLOUDBED}/{record.row:03d}"
    subprocess.run(
        [sys.executable, "-m", "replaybed", "compile", str(small_day), "--store", str(store)]
        + ["--scenario", scenario, "--json"],
        check=True,
        capture_output=True,
    )
    return store, scenario


class Sink:
    """Accepts every POST with 204 and remembers when the first request arrived."""

    def __init__(self):
        self.first: float | None = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                if sink.first is None:
                    sink.first = time.monotonic()
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(204 if self.path == "/api/v1/write" else 202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _measure(cmd: list[str], kind: str) -> tuple[float, float, int]:
    """(seconds to the first byte, seconds to the end, peak RSS in kB) of one run."""
    sink = Sink() if kind != "logs" else None
    if sink:
        cmd = [*cmd, "--prometheus" if kind == "metrics" else "--jaeger", sink.url]
    began = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = None
    if kind == "logs":
        assert proc.stdout is not None
        proc.stdout.read(1)
        first = time.monotonic()
    _, err = proc.communicate(timeout=900)
    end = time.monotonic()
    if sink:
        first = sink.first
        sink.close()
    assert proc.returncode == 0, err.decode()[-3000:]
    assert first is not None, "nothing was pushed"
    peak = next(int(x.split()[1]) for x in err.decode().splitlines() if x.startswith("PEAK_KB"))
    return first - began, end - began, peak


def test_container_start_to_first_byte_and_peak_rss(compiled, tmp_path):
    store, scenario = compiled
    built = build(tmp_path / "image")
    buildah = Buildah(tmp_path / "buildah")
    buildah.pull(built)
    container = buildah.container(built.name)
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "probe.py").write_text(PROBE)
    (tmp_path / "host-probe.py").write_text(PROBE)
    vols = [(store, "/store"), (tmp_path / "probe", "/probe")]
    pod = "shippingservice-1"
    results: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    try:
        engine = []
        for _ in range(ROUNDS):
            t = time.monotonic()
            assert buildah.run(container, ["test", "-d", "/"]).returncode == 0
            engine.append(time.monotonic() - t)
        for kind in ("metrics", "traces", "logs"):
            extra = ["--pod", pod] if kind == "logs" else []
            args = ["run", kind, "--scenario", scenario, "--anchor", "end", *extra]
            image_cmd = buildah.run_args(
                container, ["python3", "/probe/probe.py", *args, "--store", "/store"], vols
            )
            host_cmd = [
                sys.executable,
                str(tmp_path / "host-probe.py"),
                *args,
                "--store",
                str(store),
            ]
            for _ in range(ROUNDS):  # side by side: image, then host, each round
                results.setdefault((kind, "image"), []).append(_measure(image_cmd, kind))
                results.setdefault((kind, "host"), []).append(_measure(host_cmd, kind))
    finally:
        buildah.remove_all()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"\nimage startup ({scenario}, {os.environ.get('REPLAYBED_BENCH_SCALE', 'small')} scale, "
        f"{ROUNDS} rounds, medians; load {' '.join(load)}; image "
        f"{built.summary['compressed_bytes'] / 1e6:.1f} MB compressed):"
    )
    print(f"  engine only (buildah run of `test`): {statistics.median(engine):.3f} s")
    summary = {}
    for (kind, where), runs in sorted(results.items()):
        first = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        peak = statistics.median(r[2] for r in runs) / 1024
        summary[f"{kind}/{where}"] = (first, total, peak)
        print(
            f"  {kind:<8} {where:<5}: first byte after {first:.3f} s, done after {total:.2f} s, "
            f"peak RSS {peak:.0f} MB"
        )
    print(json.dumps({k: [round(x, 3) for x in v] for k, v in summary.items()}))
