"""A real Prometheus (Debian 2.42) on 127.0.0.1 with the remote-write receiver and an OOO window."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from support.servers import free_port, require

CONFIG = """global:
  scrape_interval: 15s
storage:
  tsdb:
    out_of_order_time_window: {window}
"""


class Prometheus:
    def __init__(self, root: Path, window: str = "3h", *, admin: bool = True, config: str = ""):
        self.binary = require("prometheus")
        self.root, self.window, self.admin = root, window, admin
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        root.mkdir(parents=True, exist_ok=True)
        (root / "cfg.yml").write_text(CONFIG.format(window=window) + config)

    def start(self) -> Prometheus:
        with open(self.root / "prometheus.log", "ab") as log:
            self.proc = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={self.root / 'cfg.yml'}",
                    f"--storage.tsdb.path={self.root / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--web.enable-remote-write-receiver",
                    *(["--web.enable-admin-api"] if self.admin else []),
                ],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(
            f"prometheus did not become ready; log: {(self.root / 'prometheus.log').read_text()[-2000:]}"
        )

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU the server has used so far (Linux /proc)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def query(self, expr: str, at_s: float | None = None) -> list[dict]:
        params = {"query": expr}
        if at_s is not None:
            params["time"] = f"{at_s:.3f}"
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                body = json.load(r)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{expr}: HTTP {exc.code}: {exc.read()[:500]!r}") from None
        assert body["status"] == "success", body
        return body["data"]["result"]
