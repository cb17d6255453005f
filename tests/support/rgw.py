"""A real, throw-away single-node Ceph RADOS Gateway (S3) for integration tests.

One monitor, one memstore OSD (data lives in the OSD's RAM) and one radosgw, no cephx, bound to
127.0.0.1 on free ports, with all state under a pytest tmp dir. Boots in about 12 s; the recipe and
its pitfalls (crc client mode with auth none, lazy pool creation) are the ones the project's test
server notes describe.

`rgw` (session-scoped) and `rgw_env` are registered for every test by `tests/conftest.py`. The
server is also a process-wide singleton with a reference count: the first user starts it and the
last teardown stops it (at session end).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BINARIES = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph")
ACCESS_KEY = "replaybed-test"
SECRET_KEY = "replaybed-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


def skip_or_fail_without_rgw() -> None:
    missing = missing_binaries()
    if missing:
        message = f"Ceph RGW binaries not installed: {', '.join(missing)} (apt-get install radosgw ceph-mon ceph-osd)"
        if os.environ.get("REPLAYBED_REQUIRE_SERVERS") == "1":
            pytest.fail(message)
        pytest.skip(message)


CONF = """\
[global]
fsid = {fsid}
mon host = v2:127.0.0.1:{mon_port}
mon initial members = a
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = {memstore_bytes}
run dir = {state}/run
admin socket = {state}/run/$name.asok
log file = {state}/log/$name.log
[mon.a]
mon data = {state}/mon
[osd.0]
osd data = {state}/osd0
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
"""


@dataclass
class RgwServer:
    state: Path
    memstore_bytes: int = 3 * 1024**3
    mon_port: int = field(default_factory=free_port)
    rgw_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _buckets: itertools.count = field(default_factory=itertools.count)
    # stores and clients handed to tests, closed by fixtures so no socket is left to the GC
    opened: list = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.rgw_port}"

    @property
    def conf(self) -> Path:
        return self.state / "ceph.conf"

    def _ceph(self, *args: str, timeout: float = 60) -> str:
        out = subprocess.run(
            [*args[:1], "-c", str(self.conf), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if out.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({out.returncode}): {out.stderr.strip()[-2000:]}"
            )
        return out.stdout

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.state / "log" / f"{name}.out", "ab")
        self.procs[name] = subprocess.Popen(
            [*args[:1], "-c", str(self.conf), "-f", *args[1:]],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def start(self) -> RgwServer:
        for sub in ("mon", "osd0", "run", "log"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        fsid = str(uuid.uuid4())
        self.conf.write_text(
            CONF.format(
                fsid=fsid,
                mon_port=self.mon_port,
                rgw_port=self.rgw_port,
                memstore_bytes=self.memstore_bytes,
                state=self.state,
            )
        )
        monmap = str(self.state / "monmap")
        subprocess.run(
            [
                "monmaptool",
                "--create",
                "--addv",
                "a",
                f"[v2:127.0.0.1:{self.mon_port}]",
                "--fsid",
                fsid,
                monmap,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        self._ceph("ceph-mon", "--mkfs", "-i", "a", "--monmap", monmap)
        self._spawn("mon", "ceph-mon", "-i", "a")
        osd_uuid = str(uuid.uuid4())
        osd_id = self._ceph("ceph", "osd", "new", osd_uuid, timeout=60).strip()
        self._ceph("ceph-osd", "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid)
        self._spawn("osd", "ceph-osd", "-i", osd_id)
        self.start_rgw()
        self._ceph(
            "radosgw-admin",
            "user",
            "create",
            "--uid=test",
            "--display-name=test",
            f"--access-key={ACCESS_KEY}",
            f"--secret={SECRET_KEY}",
        )
        return self

    def start_rgw(self, timeout_s: float = 60) -> None:
        """(Re)start radosgw on the same port; the data stays in the OSD."""
        self._spawn("rgw", "radosgw", "-n", "client.rgw.a")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.procs["rgw"].poll() is not None:
                raise RuntimeError(
                    f"radosgw exited with {self.procs['rgw'].returncode}; see {self.state}/log"
                )
            try:
                urllib.request.urlopen(self.endpoint, timeout=2).close()
                return
            except OSError:
                time.sleep(0.25)
        raise RuntimeError(
            f"radosgw not ready on {self.endpoint} after {timeout_s} s; see {self.state}/log"
        )

    def kill_rgw(self, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop("rgw")
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def stop(self) -> None:
        self.close_opened()
        for name in ("rgw", "osd", "mon"):
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)

    def env(self) -> dict[str, str]:
        """Environment under which boto3 (and `replaybed`) find this server and its credentials."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "REPLAYBED_S3_ENDPOINT_URL": self.endpoint,
            "REPLAYBED_S3_ADDRESSING": "path",
        }

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=REGION,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self.opened.append(client)
        return client

    def close_opened(self) -> None:
        while self.opened:
            self.opened.pop().close()

    def new_bucket(self, prefix: str = "t") -> str:
        name = f"{prefix}-{os.getpid()}-{next(self._buckets)}"
        client = self.client()
        client.create_bucket(Bucket=name)
        self.opened.remove(client)
        client.close()
        return name


_shared: RgwServer | None = None
_users = 0


@pytest.fixture(scope="session")
def rgw(tmp_path_factory):
    """The process-wide RGW server (started on first use, stopped after the last user's session)."""
    global _shared, _users
    skip_or_fail_without_rgw()
    if _shared is None:
        server = RgwServer(tmp_path_factory.mktemp("rgw"))
        try:
            server.start()
        except Exception:
            server.stop()
            raise
        _shared = server
    _users += 1
    try:
        yield _shared
    finally:
        _users -= 1
        if _users == 0:
            _shared.stop()
            _shared = None


@pytest.fixture
def rgw_env(rgw, monkeypatch, tmp_path):
    """The RGW credentials and endpoint in the environment, and no user AWS config files in the way."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in rgw.env().items():
        monkeypatch.setenv(name, value)
    yield rgw
    rgw.close_opened()


def open_store(rgw: RgwServer, bucket: str, prefix: str = "bundles", **config):
    """A Store on `s3://bucket/prefix` of this server (credentials from the environment)."""
    from replaybed.artifacts.store import Store

    store = Store.open(
        f"s3://{bucket}/{prefix}",
        endpoint_url=config.pop("endpoint_url", rgw.endpoint),
        addressing="path",
        **config,
    )
    rgw.opened.append(store)
    return store
