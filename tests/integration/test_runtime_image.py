"""The runtime image, built by runtime/build-image.sh and run with buildah: replays executed inside it.

One build per session (~40 s; a second one proves the digest is reproducible). Inside the image,
as uid 10001: logs byte-exact with the host run, metrics into the real Prometheus 2.42 (every
sample, exactly shifted), traces into the Jaeger collector stand-in (every span of the host run),
a locator served over HTTP, a rendered log pod's exact command with its readiness probe and
SIGTERM, and the error paths. The image's root is unchanged afterwards (read-only friendly);
pyarrow, numpy, boto3, kubernetes, zstandard, thrift and protobuf are neither in it nor imported.
runtime/Dockerfile's build stage is executed on the host (its base image cannot be pulled here)
and must install the same replaybed files.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.image import Buildah, build, descendant, files, layer_members, terminate
from support.jaeger_collector import Collector
from support.prometheus import Prometheus

from replaybed.artifacts import bundle
from replaybed.k8s import render
from replaybed.k8s.deploy import build_spec
from replaybed.k8s.spec import DEFAULT_IMAGE, LOCATOR_PATH
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part
from replaybed.schemas.scenario_id import ScenarioId

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "cloudbed-1/000"
PAST = "2025-01-01T00:00:00Z"  # a fixed anchor with the whole window in the past: same bytes
LOG_PODS = ("shippingservice-1", "cartservice-0", "redis-cart-0")
HEAVY = ("pyarrow", "numpy", "boto3", "botocore", "kubernetes", "zstandard", "thrift", "google")
DIST = "usr/lib/python3/dist-packages"
PROBE = """
import atexit, json, runpy, sys
def report():
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps({{"heavy": heavy, "max_rss_kb": rss}}), file=sys.stderr)
atexit.register(report)
sys.argv = ["replaybed"] + sys.argv[1:]
runpy.run_module("replaybed", run_name="__main__")
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def buildah(built, tmp_path_factory):
    b = Buildah(tmp_path_factory.mktemp("buildah"))
    b.pull(built)
    yield b
    b.remove_all()


@pytest.fixture
def container(buildah, built):
    name = buildah.container(built.name)
    root = buildah.mount(name)
    before = files(root)
    assert len(before) > 400
    yield name
    after = files(root)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert changed == set(), "a run wrote into the image's root"
    buildah("rm", name)


def _host(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "replaybed", *args], capture_output=True, timeout=300, **kw
    )


def _store(tiny_store) -> tuple[Path, str]:
    root = Path(tiny_store.backend.root)
    return root, "/store"


# --- what is in the image ------------------------------------------------------------------------


def test_size_layers_and_config(built):
    s = built.summary
    layers = ", ".join(
        f"{lr['name']} {lr['compressed'] / 1e6:.1f}/{lr['unpacked'] / 1e6:.1f} MB"
        for lr in s["layers"]
    )
    print(
        f"\nruntime image {s['digest']}: {s['compressed_bytes'] / 1e6:.1f} MB compressed "
        f"(target <= 25), {s['unpacked_bytes'] / 1e6:.1f} MB unpacked (target <= 60); "
        f"layers (compressed/unpacked): {layers}"
    )
    assert s["compressed_bytes"] <= 25e6 and s["unpacked_bytes"] <= 60e6
    assert [lr["name"] for lr in s["layers"]] == ["debian", "python-packages", "replaybed"]
    assert built.name == DEFAULT_IMAGE  # `deploy up` uses it without --image after a load
    inspect = shutil.which("skopeo")
    if inspect:  # a second, independent reader of the archive
        out = subprocess.run(
            [inspect, "inspect", "--config", f"oci-archive:{built.archive}"],
            capture_output=True,
            text=True,
            check=True,
        )
        config = json.loads(out.stdout)["config"]
        assert config["User"] == "10001:10001"
        assert config["Entrypoint"] == ["replaybed", "run"]
        assert "PYTHONDONTWRITEBYTECODE=1" in config["Env"]


def test_only_what_the_runtime_needs_is_in_it(built):
    members = layer_members(built)
    names = set(members)
    executables = sorted(
        n for n, m in members.items() if m.isfile() and m.mode & 0o111 and n.startswith("usr/bin/")
    )
    assert executables == ["usr/bin/python3.11", "usr/bin/replaybed", "usr/bin/test"]
    for absent in ("usr/bin/sh", "usr/bin/bash", "usr/bin/dash", "usr/bin/dpkg", "usr/bin/apt"):
        assert absent not in names
    site = {
        n.split("/")[4].split("-")[0]
        for n in names
        if n.startswith(DIST + "/") and n.count("/") >= 4
    }
    assert site == {"click", "cramjam", "replaybed"}, site
    assert not any(n.startswith(f"{DIST}/{h}") for n in names for h in HEAVY)
    assert not any(n.endswith(".py") for n in names if n.startswith("usr/lib/python3.11/"))
    # owned by root, nothing writable by uid 10001 except /tmp
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())
    writable = [n for n, m in members.items() if m.mode & 0o002 and not m.issym()]
    assert writable == ["tmp"] and members["tmp"].mode == 0o1777


def test_the_dockerfile_installs_the_same_replaybed(built, tmp_path):
    """runtime/Dockerfile's build stage, executed on the host; its final stage's install repeated."""
    stages = _dockerfile_stages(ROOT / "runtime" / "Dockerfile")
    build_stage, final = stages[0], stages[-1]
    work = tmp_path / "src"
    work.mkdir()
    tools = tmp_path / "tools"
    subprocess.run([sys.executable, "-m", "venv", str(tools)], check=True)
    env = {"PATH": f"{tools / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for op, arg in build_stage:
        if op == "COPY":
            *sources, dest = arg.split()
            for src in sources:
                target = work / dest if dest != "./" else work / Path(src).name
                if (ROOT / src).is_dir():
                    shutil.copytree(
                        ROOT / src, target, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy(ROOT / src, target)
        elif op == "RUN":
            done = subprocess.run(
                ["sh", "-c", arg], cwd=work, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"RUN {arg}: {done.stderr[-3000:]}"
    install = next(arg for op, arg in final if op == "RUN").split("&&")[0].strip()
    assert install == "pip install --no-cache-dir --no-index --find-links /wheels replaybed"
    venv = tmp_path / "docker-like"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            *install.split()[1:-3],
            "--find-links",
            str(work / "wheels"),
            "replaybed",
        ],
        check=True,
        capture_output=True,
    )
    site = next(venv.glob("lib/python3*/site-packages"))
    docker = {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in (site / "replaybed").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    with_image = _image_files(built, f"{DIST}/replaybed/")
    assert set(docker) == set(with_image)
    assert [p for p in docker if docker[p] != with_image[p]] == []
    versions = {p.name.rsplit(".", 1)[0] for p in site.glob("*.dist-info")}
    image_versions = {
        n.split("/")[4].rsplit(".", 1)[0] for n in layer_members(built) if n.endswith(".dist-info")
    }
    assert (
        versions - {v for v in versions if v.startswith(("pip-", "setuptools-"))} == image_versions
    )


def test_the_digest_is_reproducible(built, tmp_path):
    again = build(tmp_path / "again")
    assert again.summary["digest"] == built.summary["digest"]
    assert again.archive.read_bytes() == built.archive.read_bytes()


# --- replays inside the image --------------------------------------------------------------------


def test_logs_are_byte_exact_with_the_host_run(buildah, container, tiny_store, tmp_path):
    store, inside = _store(tiny_store)
    for pod in LOG_PODS:
        args = ["run", "logs", "--scenario", SCENARIO, "--pod", pod, "--anchor", PAST]
        host = _host(*args, "--store", str(store))
        assert host.returncode == 0 and host.stdout, host.stderr
        got = buildah.run(container, ["replaybed", *args, "--store", inside], [(store, inside)])
        assert got.returncode == 0, got.stderr
        assert got.stdout == host.stdout


def test_metrics_land_in_prometheus_exactly(buildah, container, tiny_store, tmp_path):
    store, inside = _store(tiny_store)
    probe = _probe(tmp_path)
    prom = Prometheus(tmp_path / "prom").start()
    try:
        got = buildah.run(
            container,
            [
                "python3",
                "/probe/probe.py",
                "run",
                "metrics",
                "--scenario",
                SCENARIO,
                "--store",
                inside,
            ]
            + ["--prometheus", prom.url, "--anchor", "end", "--json"],
            [(store, inside), (probe, "/probe")],
            timeout=300,
        )
        assert got.returncode == 0, got.stderr
        report = json.loads(got.stdout)
        assert _probe_line(got)["heavy"] == []
        m, expected = _expected_samples(tiny_store, report["offset_ms"])
        assert report["items"] == m.counts.samples == len(expected) and not report["lost"]
        assert _stored_samples(prom, m, report["offset_ms"]) == expected
    finally:
        prom.stop()


def test_traces_reach_the_collector_as_in_the_host_run(buildah, container, tiny_store, tmp_path):
    store, inside = _store(tiny_store)
    out = tmp_path / "host.bin"
    host = _host(
        "run",
        "traces",
        "--scenario",
        SCENARIO,
        "--store",
        str(store),
        "--anchor",
        PAST,
        "--out",
        str(out),
    )
    assert host.returncode == 0, host.stderr
    expected = _spans(_bodies(out.read_bytes()))
    with Collector() as collector:
        got = buildah.run(
            container,
            ["replaybed", "run", "traces", "--scenario", SCENARIO, "--store", inside]
            + ["--jaeger", collector.url, "--anchor", PAST, "--json"],
            [(store, inside)],
            timeout=300,
        )
    assert got.returncode == 0, got.stderr
    report = json.loads(got.stdout)
    received = {
        (b.process.serviceName, s.spanId, s.startTime, s.duration, s.operationName)
        for b in collector.batches
        for s in b.spans
    }
    assert received == expected and report["items"] == len(expected) > 100


def test_a_locator_served_over_http(buildah, container, tiny_store, tmp_path):
    store, _ = _store(tiny_store)
    locator = json.loads(
        _host("store", "url", str(store), "--scenario", SCENARIO, text=True).stdout
    )
    handler = functools.partial(_QuietHandler, directory=str(store))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        # http.server ignores Range: the reader must cope with whole packs coming back
        locator["manifest"]["url"] = base + locator["manifest"]["url"].removeprefix(store.as_uri())
        locator["packs"] = [base + u.removeprefix(store.as_uri()) for u in locator["packs"]]
        (tmp_path / "loc").mkdir()
        (tmp_path / "loc" / "locator.json").write_text(json.dumps(locator))
        args = ["run", "logs", "--pod", LOG_PODS[0], "--anchor", PAST]
        got = buildah.run(
            container,
            ["replaybed", *args, "--locator", "/loc/locator.json"],
            [(tmp_path / "loc", "/loc")],
        )
        host = _host(*args, "--scenario", SCENARIO, "--store", str(store))
        assert got.returncode == 0, got.stderr
        assert got.stdout == host.stdout
    finally:
        server.shutdown()
        server.server_close()


def test_a_rendered_log_pod_runs_lingers_and_stops_on_sigterm(
    buildah, container, tiny_store, tmp_path
):
    store, _ = _store(tiny_store)
    spec = build_spec(tiny_store, SCENARIO, anchor=PAST)
    pod = next(
        o
        for o in render.objects(spec)
        if o["kind"] == "Pod" and o["metadata"]["name"] == LOG_PODS[0]
    )
    c = pod["spec"]["containers"][0]
    probe = c["readinessProbe"]["exec"]["command"]
    loc = tmp_path / "locator"
    loc.mkdir()
    (loc / Path(LOCATOR_PATH).name).write_text(spec.locator_json)
    volumes = [(loc, str(Path(LOCATOR_PATH).parent)), (store, spec.store_path)]
    assert buildah.run(container, probe).returncode == 1  # not ready before it ran
    proc = subprocess.Popen(
        buildah.run_args(container, c["command"], volumes),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while buildah.run(container, probe).returncode != 0:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        time.sleep(1)
        assert proc.poll() is None, "the log pod must stay Running after its window"
        terminate(descendant(proc.pid, "/usr/bin/replaybed run logs"))
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    host = _host(
        "run",
        "logs",
        "--scenario",
        SCENARIO,
        "--store",
        str(store),
        "--pod",
        LOG_PODS[0],
        "--anchor",
        PAST,
    )
    assert out == host.stdout


def test_error_paths_and_absent_libraries(buildah, container, tiny_store):
    store, inside = _store(tiny_store)
    vols = [(store, inside)]

    def run(*command):
        return buildah.run(container, list(command), vols, text=True)

    assert run("replaybed", "--help").returncode == 0
    assert run("replaybed", "run", "metrics", "--help").returncode == 0
    bad = run("replaybed", "run", "logs", "--pod", "x", "--lingr")
    assert bad.returncode == 2 and "Did you mean '--linger'?" in bad.stderr
    missing = run(
        "replaybed", "run", "logs", "--pod", "x", "--scenario", SCENARIO, "--store", "/nope"
    )
    assert (
        missing.returncode != 0
        and missing.stderr.startswith("error:")
        and "Traceback" not in missing.stderr
    )
    unknown = run(
        "replaybed", "run", "logs", "--pod", "x", "--scenario", "cloudbed-9/000", "--store", inside
    )
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr, unknown.stderr
    compile_ = run("replaybed", "compile", "/data")
    assert compile_.returncode != 0 and "not installed" in compile_.stderr
    found = run(
        "python3",
        "-c",
        f"import importlib.util as u; print([m for m in {HEAVY!r} if u.find_spec(m)])",
    )
    assert found.stdout.strip() == "[]", found.stderr
    ca = run(
        "python3",
        "-c",
        "import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])",
    )
    assert int(ca.stdout) > 100, ca.stderr
    write = run("python3", "-c", "open('/usr/lib/x', 'w')")
    assert write.returncode != 0 and "Permission denied" in write.stderr
    assert run("test", "-f", "/etc/passwd").returncode == 0
    assert run("test", "-f", "/tmp/nothing").returncode == 1


# --- helpers -------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _dockerfile_stages(path: Path) -> list[list[tuple[str, str]]]:
    """Instructions per stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, arg = line.partition(" ")
        if op == "FROM":
            stages.append([])
        else:
            stages[-1].append((op, arg.strip()))
    return stages


def _image_files(built, prefix: str) -> dict[str, bytes]:
    import tarfile

    out = {}
    with tarfile.open(built.archive) as archive:
        index = json.load(archive.extractfile("index.json"))
        manifest = json.load(
            archive.extractfile(f"blobs/sha256/{index['manifests'][0]['digest'][7:]}")
        )
        for layer in manifest["layers"]:
            with tarfile.open(
                fileobj=archive.extractfile(f"blobs/sha256/{layer['digest'][7:]}"), mode="r:gz"
            ) as tar:
                for m in tar.getmembers():
                    if m.isfile() and m.name.startswith(prefix) and "__pycache__" not in m.name:
                        out["replaybed/" + m.name[len(prefix) :]] = tar.extractfile(m).read()
    return out


def _probe(tmp_path: Path) -> Path:
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE.format(heavy=set(HEAVY)))
    return folder


def _probe_line(done) -> dict:
    return json.loads(done.stderr.decode().strip().splitlines()[-1])


def _bodies(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return out


def _spans(bodies: list[bytes]) -> set:
    return {
        (b.process.serviceName, s.spanId, s.startTime, s.duration, s.operationName)
        for b in map(wire.decode_batch, bodies)
        for s in b.spans
    }


def _expected_samples(store, shift_ms):
    _, m = bundle.resolve(store, ScenarioId.parse(SCENARIO))
    out = set()
    for ref in m.parts_of("metrics"):
        for frame in decode_part(bundle.read_part(store, ref)).frames:
            if m.window.contains(frame.t0 - m.origin_ms):
                for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                    labels = tuple(sorted((lb.name, lb.value) for lb in ts.labels))
                    out |= {(labels, s.timestamp + shift_ms, s.value) for s in ts.samples}
    return m, out


def _stored_samples(prom, m, shift_ms):
    end_s = (m.origin_ms + m.window.end_ms + shift_ms) / 1000
    minutes = (m.window.end_ms - m.window.start_ms) // 60_000 + 1
    result = prom.query(f'{{namespace="{m.namespace}"}}[{minutes}m]', at_s=end_s)
    return {
        (tuple(sorted(r["metric"].items())), int(round(float(t) * 1000)), float(v))
        for r in result
        for t, v in r["values"]
    }
