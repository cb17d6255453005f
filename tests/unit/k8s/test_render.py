"""Rendered objects are valid Kubernetes (real OpenAPI schemas, strict) and say what the deploy needs."""

from __future__ import annotations

import json

import kubernetes_validate
import pytest
import yaml
from click.testing import CliRunner

from replaybed.k8s import render
from replaybed.k8s.deploy import build_spec
from replaybed.main import cli

VERSIONS = ("1.28.0", "1.30.0", "1.33.0")


@pytest.fixture(scope="module")
def spec(tiny_store):
    return build_spec(tiny_store, "cloudbed-1/000", anchor="2026-11-22T10:00:00.000Z")


def _one_per_kind(objs):
    return list({o["kind"]: o for o in objs}.values())


def test_every_object_validates_strictly(spec):
    for obj in render.objects(spec):
        kubernetes_validate.validate(obj, VERSIONS[-1], strict=True)


@pytest.mark.parametrize("version", VERSIONS[:-1])
def test_each_kind_validates_on_older_servers(spec, version):
    for obj in _one_per_kind(render.objects(spec)):
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_deploy_has_what_aiopslab_and_agents_expect(spec):
    objs = render.objects(spec)
    kinds = [o["kind"] for o in objs]
    assert kinds[0] == "Namespace" and spec.namespace == "openrca-cloudbed-1"
    pods = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Pod"}
    assert len(pods) == 42 and "redis-cart-0" in pods and "adservice2-0" in pods
    assert pods["adservice2-0"]["metadata"]["labels"]["app"] == "adservice"
    service = next(o for o in objs if o["kind"] == "Service")
    assert service["metadata"]["name"] == "jaeger" and service["spec"]["ports"][0]["port"] == 16686
    assert {p["port"] for p in service["spec"]["ports"]} == {16686, 14268}
    jaeger = next(o for o in objs if o["kind"] == "Deployment")
    image = jaeger["spec"]["template"]["spec"]["containers"][0]["image"]
    major, minor = (int(x) for x in image.rsplit(":", 1)[1].split(".")[:2])
    assert major == 1 or (major == 2 and minor <= 20)
    assert any(
        a.startswith("--memory.max-traces=")
        for a in jaeger["spec"]["template"]["spec"]["containers"][0]["args"]
    )
    jobs = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Job"}
    assert set(jobs) == {"replaybed-metrics", "replaybed-traces"}
    assert (
        "http://jaeger:14268"
        in jobs["replaybed-traces"]["spec"]["template"]["spec"]["containers"][0]["command"]
    )
    for o in objs:
        pod_spec = (
            o["spec"]["template"]["spec"]
            if o["kind"] in ("Job", "Deployment")
            else o.get("spec", {})
        )
        for c in pod_spec.get("containers", []):
            sc = c["securityContext"]
            assert (
                sc["readOnlyRootFilesystem"]
                and not sc["allowPrivilegeEscalation"]
                and not sc.get("privileged")
            )
            assert c["resources"]["limits"] and c["resources"]["requests"]
            text = json.dumps(c)
            assert "AWS_" not in text and "SECRET" not in text.upper()


def test_all_containers_share_one_anchor_and_read_the_locator(spec):
    anchors = set()
    for o in render.objects(spec):
        pod_spec = (
            o["spec"]["template"]["spec"]
            if o["kind"] in ("Job", "Deployment")
            else o.get("spec", {})
        )
        for c in pod_spec.get("containers", []):
            if c["name"] == "jaeger":
                continue
            words = " ".join(c["command"]).split()
            anchors.add(words[words.index("--anchor") + 1])
            assert words[words.index("--locator") + 1] == "/etc/replaybed/locator.json"
    assert anchors == {"2026-11-22T10:00:00.000Z"}


def test_runtime_containers_need_no_shell(spec):
    # the runtime image has python, replaybed and `test`, nothing else that could run a script
    commands = []
    for o in render.objects(spec):
        pod_spec = o["spec"]["template"]["spec"] if o["kind"] == "Job" else o.get("spec", {})
        for c in pod_spec.get("containers", []):
            if c["image"] == spec.image:
                commands.append(c["command"])
                assert c["readinessProbe"]["exec"]["command"] == ["test", "-f", "/tmp/ready"]
    assert len(commands) == 44
    assert {c[0] for c in commands} == {"replaybed"}
    logs = [c for c in commands if c[:3] == ["replaybed", "run", "logs"]]
    assert len(logs) == 42 and all(c[-1] == "--linger" for c in logs)
    assert not any("sh" in c or "sleep" in " ".join(c) for c in commands)


def test_dry_run_prints_valid_yaml(tiny_store):
    result = CliRunner().invoke(
        cli,
        [
            "deploy",
            "up",
            "--dry-run",
            "-o",
            "yaml",
            "--scenario",
            "cloudbed-1/000",
            "--store",
            str(tiny_store.backend.root),
        ],
    )
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.output))
    assert len(docs) == 48
    for doc in _one_per_kind(docs):
        kubernetes_validate.validate(doc, VERSIONS[-1], strict=True)


def _shards_json(tiny_dataset):
    listed = CliRunner().invoke(cli, ["compile", str(tiny_dataset), "--list-shards", "--json"])
    assert listed.exit_code == 0, listed.output
    return listed.output


def test_compile_jobs_take_their_shards_from_the_dataset(tiny_dataset, tmp_path):
    import subprocess

    shards_file = tmp_path / "shards.json"
    shards_file.write_text(_shards_json(tiny_dataset))
    shards = json.loads(shards_file.read_text())
    # both systems, one shard per day folder: nothing in k8s/ names a cloudbed or a day
    assert [s["shard"] for s in shards] == [
        f"cloudbed-{cb}@2022-03-{day}" for cb in (1, 2) for day in (20, 21)
    ]
    result = CliRunner().invoke(
        cli,
        [
            "deploy",
            "compile-job",
            "--store",
            "s3://bucket/rb",
            "--dataset-claim",
            "openrca",
            "--credentials-secret",
            "s3-creds",
            "--endpoint-url",
            "http://rgw:7480",
            "--shards",
            str(shards_file),
            "--run",
            "r7",
            "-o",
            "yaml",
        ],
    )
    assert result.exit_code == 0, result.output
    parts, manifests = yaml.safe_load_all(result.output)
    for job in (parts, manifests):
        for version in VERSIONS:
            kubernetes_validate.validate(job, version, strict=True)
    assert parts["metadata"]["name"] == "replaybed-compile-r7"
    assert parts["spec"]["completionMode"] == "Indexed" and parts["spec"]["completions"] == 4
    script = parts["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    for index, shard in enumerate(shards):
        out = subprocess.run(
            ["sh", "-c", script.replace("exec replaybed", "echo replaybed")],
            env={"JOB_COMPLETION_INDEX": str(index), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        args = out.stdout.split()
        assert args[args.index("--shard") + 1] == shard["shard"], out
        assert {"--stage", "parts", "--run", "r7", "--format", "openrca-market"} <= set(args)
        assert args[args.index("--store") + 1] == "s3://bucket/rb"
    command = manifests["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:3] == ["replaybed", "compile", "/dataset"]
    assert command[command.index("--stage") + 1] == "manifests"
    assert command[command.index("--run") + 1] == "r7" and "--wait" in command
    assert [command[i + 1] for i, a in enumerate(command) if a == "--system"] == [
        "cloudbed-1",
        "cloudbed-2",
    ]
    env = parts["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "REPLAYBED_S3_ENDPOINT_URL", "value": "http://rgw:7480"} in env


def test_compile_job_takes_shard_names_from_stdin_or_flags(tiny_dataset):
    base = [
        "deploy",
        "compile-job",
        "--store",
        "s3://b/rb",
        "--dataset-claim",
        "ds",
        "--credentials-secret",
        "c",
        "-o",
        "json",
    ]
    piped = CliRunner().invoke(cli, [*base, "--shards", "-"], input=_shards_json(tiny_dataset))
    assert piped.exit_code == 0, piped.output
    items = json.loads(piped.output)["items"]
    assert items[0]["spec"]["completions"] == 4
    # a fresh run label per render, so a second compile never collides with the first's Jobs
    again = json.loads(CliRunner().invoke(cli, [*base, "--shard", "cloudbed-2@2022-03-21"]).output)
    assert again["items"][0]["metadata"]["name"] != items[0]["metadata"]["name"]
    assert again["items"][0]["spec"]["completions"] == 1
    for bad, message in [
        (["--shard", "cloudbed-1"], "expected <system>@<start>"),
        (["--shard", "cb@1; rm -rf /"], "not plain words"),
        (["--shard", "cb@1", "--run", "Not_A_Label"], "DNS label"),
        ([], "no shards"),
    ]:
        result = CliRunner().invoke(cli, [*base, *bad])
        assert result.exit_code == 2 and message in result.output, result.output


def test_prometheus_values_enable_the_receiver_and_a_window():
    from pathlib import Path

    values = yaml.safe_load(
        (Path(__file__).resolve().parents[3] / "k8s/manifests/prometheus-values.yaml").read_text()
    )
    flags = values["server"]["extraFlags"]
    assert {"web.enable-remote-write-receiver", "web.enable-admin-api"} <= set(flags)
    assert "web.enable-lifecycle" in flags, "the chart's own flag must survive the override"
    assert values["server"]["tsdb"]["out_of_order_time_window"] in ("2h", "3h", "4h")
    assert values["server"]["persistentVolume"]["enabled"] is False
    jobs = {j["job_name"]: j for j in values["serverFiles"]["prometheus.yml"]["scrape_configs"]}
    # Helm replaces lists: the override must keep every job of AIOpsLab's chart (ddf7e40)
    assert set(jobs) == {"prometheus", "kubernetes-cadvisor", "kubernetes-nodes"}
