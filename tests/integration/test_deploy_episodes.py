"""`deploy up|down` keep episodes apart in a real Prometheus 2.42, reached as a deployer reaches an
in-cluster Prometheus: through the API server's service proxy (a recording fake of the kubernetes
client forwards the proxied requests to the real server). The backfill Job is played by
`replaybed run metrics` with the arguments the rendered Job gets."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from support.fake_kube import FakeCluster
from support.prometheus import Prometheus

from replaybed.k8s import deploy, render
from replaybed.k8s.cluster import KubeCluster
from replaybed.k8s.errors import DeployConfigError
from replaybed.k8s.prometheus import endpoint
from replaybed.main import cli

pytestmark = pytest.mark.integration
URL = "http://prometheus-server.observe.svc.cluster.local:80"


class Ticks:
    t = 0.0

    def timing(self):
        def sleep(s):
            self.t += s

        return deploy.Timing(timeout_s=600, clock=lambda: self.t, sleep=sleep)


@pytest.fixture
def prometheus(tmp_path):
    prom = Prometheus(tmp_path / "prom").start()
    yield prom
    prom.stop()


@pytest.fixture
def cluster(prometheus):
    fake = FakeCluster(
        ready_after=0,
        terminate_after=2,
        services={("observe", "prometheus-server", "80"): prometheus.url},
    )
    return fake, KubeCluster(fake.core, fake.apps, fake.batch, "fake")


def _spec(store, scenario):
    # the whole window lies in the past, so the backfill finishes at once
    anchor = (datetime.now(UTC) - timedelta(minutes=31)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return deploy.build_spec(store, scenario, anchor=anchor)


def _backfill(store, spec, url):
    """What the rendered metrics Job runs, pointed at the local Prometheus."""
    (job,) = [o for o in render.objects(spec) if o["metadata"]["name"] == "replaybed-metrics"]
    args = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "--assume-clean" in args and args[args.index("--prometheus") + 1] == URL
    cmd = [sys.executable, "-m", "replaybed", "run", "metrics", "--scenario", spec.scenario]
    cmd += ["--store", str(store.backend.root), "--prometheus", url, "--assume-clean"]
    cmd += ["--anchor", spec.anchor, "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _samples(prom, namespace):
    # raw samples (count_over_time would drop metric names and collide on the rest)
    return sum(len(r["values"]) for r in prom.query(f'{{namespace="{namespace}"}}[6h]'))


def test_down_removes_the_episode_so_the_next_starts_clean(tiny_store, prometheus, cluster):
    fake, kube = cluster
    a = _spec(tiny_store, "cloudbed-1/000")
    deploy.up(kube, a, prometheus=endpoint(kube, a.prometheus), timing=Ticks().timing())
    report = _backfill(tiny_store, a, prometheus.url)
    assert _samples(prometheus, a.namespace) == report["items"] > 0

    result = deploy.down(
        kube, a.namespace, connect=lambda url: endpoint(kube, url), timing=Ticks().timing()
    )
    assert result.prometheus == URL and result.series_left == 0 and not result.warning
    assert _samples(prometheus, a.namespace) == 0
    assert ("Namespace", None, a.namespace) not in fake.objects and not fake.terminating
    proxied = [c for c in fake.calls if c[0] == "proxy"]
    assert any(
        "/services/prometheus-server:80/proxy/api/v1/admin/tsdb/delete_series" in c[2]
        for c in proxied
    )

    b = _spec(tiny_store, "cloudbed-1/001")
    up = deploy.up(kube, b, prometheus=endpoint(kube, b.prometheus), timing=Ticks().timing())
    assert up.replaced_series == 0 and len(up.created) == 48


def test_up_refuses_a_window_holding_another_episode_unless_replacing(
    tiny_store, prometheus, cluster
):
    fake, kube = cluster
    a = _spec(tiny_store, "cloudbed-1/000")
    deploy.up(kube, a, prometheus=endpoint(kube, a.prometheus), timing=Ticks().timing())
    _backfill(tiny_store, a, prometheus.url)
    # the namespace object is gone (say, deleted by hand) but A's series are still in Prometheus
    fake.objects = {
        k: v for k, v in fake.objects.items() if k[1] != a.namespace and k[2] != a.namespace
    }
    before = _samples(prometheus, a.namespace)

    b = _spec(tiny_store, "cloudbed-1/001")
    with pytest.raises(
        DeployConfigError, match=r"namespace openrca-cloudbed-1 in .* already holds \d+ series"
    ):
        deploy.up(kube, b, prometheus=endpoint(kube, b.prometheus), timing=Ticks().timing())
    assert not [k for k in fake.objects if k[1] == b.namespace], "nothing may be created"
    assert _samples(prometheus, a.namespace) == before

    up = deploy.up(
        kube, b, prometheus=endpoint(kube, b.prometheus), replace=True, timing=Ticks().timing()
    )
    assert up.replaced_series > 0 and _samples(prometheus, a.namespace) == 0


def test_prometheus_values_command_prints_the_shipped_file():
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[2] / "k8s" / "manifests" / "prometheus-values.yaml"
    out = CliRunner().invoke(cli, ["deploy", "prometheus-values"])
    assert out.exit_code == 0 and out.output == shipped.read_text()
