"""`replaybed deploy up|down|status`: one scenario as a live-looking Kubernetes namespace."""

from __future__ import annotations

import json

import click

from replaybed.k8s.spec import DEFAULT_IMAGE, DEFAULT_PROMETHEUS


@click.group("deploy")
def deploy() -> None:
    """Deploy a compiled scenario into Kubernetes (pods, Jaeger, metric and trace backfill)."""


def _store(url):
    from replaybed.artifacts.store import Store

    return Store.open(url)


def _cluster(kubeconfig, context):
    from replaybed.k8s.cluster import KubeCluster

    return KubeCluster.connect(kubeconfig, context)


_kube = [
    click.option(
        "--kubeconfig",
        default=None,
        help="Kubeconfig file (default: ~/.kube/config or in-cluster).",
    ),
    click.option("--context", default=None, help="Kubeconfig context."),
]


def kube(fn):
    for option in reversed(_kube):
        fn = option(fn)
    return fn


@deploy.command("up")
@click.option("--scenario", required=True, help="Scenario id, e.g. cloudbed-1/000.")
@click.option(
    "--store",
    "store_url",
    default=None,
    help="Store URL or path (default: $REPLAYBED_STORE or the local data dir).",
)
@click.option(
    "--namespace",
    default=None,
    help="Namespace (default: the one the manifest names, e.g. openrca-cloudbed-1).",
)
@click.option(
    "--prometheus",
    default=DEFAULT_PROMETHEUS,
    show_default=True,
    help="Prometheus the metrics job writes to.",
)
@click.option(
    "--image", default=DEFAULT_IMAGE, show_default=True, help="Runtime image (runtime/Dockerfile)."
)
@click.option("--anchor", default=None, help="RFC 3339 instant of the fault (default: now).")
@click.option("--timeout", default=600, show_default=True, help="Seconds to wait for readiness.")
@click.option(
    "--replace",
    is_flag=True,
    help="Delete series another episode left in the namespace's Prometheus window "
    "(TSDB admin API) instead of refusing.",
)
@click.option(
    "--no-prometheus-check",
    "check_prometheus",
    is_flag=True,
    flag_value=False,
    default=True,
    help="Do not check (or clear) the Prometheus window first: only for a Prometheus the "
    "deploying machine cannot reach; two episodes' incidents may then mix.",
)
@click.option("--dry-run", is_flag=True, help="Print the objects instead of creating them.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="Format for --dry-run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@kube
def up_command(
    *,
    scenario,
    store_url,
    namespace,
    prometheus,
    image,
    anchor,
    timeout,
    replace,
    check_prometheus,
    dry_run,
    output,
    as_json,
    kubeconfig,
    context,
):
    """Create the scenario's namespace and wait until its history is visible.

    A namespace left by an earlier replay is removed first (and waited for). The Prometheus window
    the episode fills must hold no series of the namespace: refused (exit 2) unless --replace.
    """
    from replaybed.k8s import deploy as logic
    from replaybed.k8s import render

    store = _store(store_url)
    try:
        spec = logic.build_spec(
            store,
            scenario,
            namespace=namespace,
            image=image,
            prometheus=prometheus,
            anchor=anchor,
        )
    finally:
        store.close()
    if dry_run:
        objs = render.objects(spec)
        if output == "json":
            click.echo(json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}, indent=2))
        else:
            import yaml

            click.echo(yaml.safe_dump_all(objs, sort_keys=False), nl=False)
        return
    from replaybed.k8s.prometheus import endpoint

    cluster = _cluster(kubeconfig, context)
    result = logic.up(
        cluster,
        spec,
        prometheus=endpoint(cluster, spec.prometheus) if check_prometheus else None,
        replace=replace,
        timing=logic.Timing(timeout_s=timeout),
    )
    if as_json:
        click.echo(json.dumps(result.__dict__, indent=2))
        return
    if result.took_over:
        click.echo(f"  removed the earlier replay of {result.took_over} from {result.namespace}")
    if result.replaced_series:
        click.echo(f"  deleted {result.replaced_series} series of another episode from Prometheus")
    click.echo(
        f"{result.scenario} is live in namespace {result.namespace} "
        f"(fault at {result.anchor}) after {result.seconds:.1f} s"
    )
    click.echo(
        f"  created {len(result.created)} objects, {len(result.existing)} already there; ready: "
        f"{sum(result.ready.values())}/{len(result.ready)}"
    )
    click.echo(
        f"  kubectl get pods -n {result.namespace}; Jaeger: kubectl port-forward -n {result.namespace} svc/jaeger 16686"
    )


@deploy.command("down")
@click.option("--namespace", required=True, help="Namespace of the deploy.")
@click.option(
    "--prometheus",
    default=None,
    help="Prometheus holding the episode's series (default: the one `up` wrote to).",
)
@click.option("--keep-series", is_flag=True, help="Leave the episode's series in Prometheus.")
@click.option(
    "--timeout", default=600, show_default=True, help="Seconds to wait for the namespace to go."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@kube
def down_command(*, namespace, prometheus, keep_series, timeout, as_json, kubeconfig, context):
    """Remove the episode: its series in Prometheus, then everything `up` created in the
    namespace (and nothing else); waits until the namespace is gone."""
    from replaybed.k8s import deploy as logic
    from replaybed.k8s.prometheus import endpoint

    cluster = _cluster(kubeconfig, context)
    result = logic.down(
        cluster,
        namespace,
        connect=None if keep_series else (lambda url: endpoint(cluster, url)),
        prometheus=prometheus,
        timing=logic.Timing(timeout_s=timeout),
    )
    if result.warning:
        click.echo(f"warning: {result.warning}", err=True)
    if as_json:
        click.echo(json.dumps(result.__dict__, indent=2))
        return
    click.echo(
        f"removed {len(result.removed)} objects from {namespace}"
        + (f" and its series from {result.prometheus}" if result.prometheus else "")
        if result.removed
        else f"nothing of replaybed in {namespace}"
    )


@deploy.command("prometheus-values")
def prometheus_values_command():
    """Print the Helm values AIOpsLab's Prometheus chart needs for replayed episodes.

    Remote-write receiver, out-of-order window, admin API, a fresh TSDB per server start, and
    scrape rules that drop the replay pods' own cAdvisor series. Apply with
    `helm upgrade prometheus <chart> -n observe --reuse-values -f <file>`.
    """
    from importlib import resources

    text = resources.files("replaybed.k8s").joinpath("manifests/prometheus-values.yaml")
    click.echo(text.read_text(encoding="utf-8"), nl=False)


@deploy.command("status")
@click.option("--namespace", required=True, help="Namespace of the deploy.")
@click.option("--json", "as_json", is_flag=True)
@kube
def status_command(namespace, as_json, kubeconfig, context):
    """Show the deployed scenario and its pods."""
    from replaybed.k8s import deploy as logic

    state = logic.status(_cluster(kubeconfig, context), namespace)
    if as_json:
        click.echo(json.dumps(state, indent=2))
    elif not state["deployed"]:
        click.echo(f"{namespace}: nothing deployed")
    else:
        ready = sum(p["ready"] for p in state["pods"].values())
        click.echo(
            f"{namespace}: {state['scenario']} (fault at {state['anchor']}), {ready}/{len(state['pods'])} pods ready"
        )
        for name, p in sorted(state["pods"].items()):
            click.echo(
                f"  {name:28} {p['phase'] or '?':10} {'ready' if p['ready'] else 'not ready'}"
            )


@deploy.command("compile-job")
@click.option(
    "--store",
    "store_url",
    required=True,
    help="Shared store the jobs write, e.g. s3://bucket/replaybed.",
)
@click.option(
    "--dataset-claim",
    required=True,
    help="PersistentVolumeClaim holding the dataset folder (mounted read-only at /dataset).",
)
@click.option(
    "--credentials-secret",
    required=True,
    help="Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the store.",
)
@click.option(
    "--shards",
    "shards_file",
    type=click.File("r"),
    default=None,
    help="The shards to compile: the output of `replaybed compile DIR --list-shards --json` "
    "('-' reads stdin).",
)
@click.option(
    "--shard",
    "shard_names",
    multiple=True,
    help="A shard by name (<system>@<start>, as --list-shards prints); repeatable.",
)
@click.option(
    "--run",
    "run_label",
    default=None,
    help="Label of this compile (names the two Jobs; the manifests Job waits for this run's "
    "shards). Default: a new random one.",
)
@click.option("--endpoint-url", default=None, help="S3 endpoint (MinIO, Ceph RGW); omit for AWS.")
@click.option("--namespace", default="replaybed", show_default=True)
@click.option(
    "--image",
    default="ghcr.io/replaybed/replaybed:0.1.0",
    show_default=True,
    help="An image with the compile extra installed.",
)
@click.option(
    "-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
def compile_job_command(
    *,
    store_url,
    dataset_claim,
    credentials_secret,
    shards_file,
    shard_names,
    run_label,
    endpoint_url,
    namespace,
    image,
    output,
):
    """Print two Jobs that compile a dataset into a shared store: an Indexed Job building one
    shard's parts per index, and one that publishes every scenario once all shards are in.

    \b
      replaybed compile DATASET --list-shards --json > shards.json
      replaybed deploy compile-job --shards shards.json --store s3://b/rb ... | kubectl apply -f -
    """
    import secrets

    from replaybed.k8s.compile_job import ShardRef, compile_jobs
    from replaybed.k8s.errors import DeployConfigError

    shards = []
    if shards_file is not None:
        where = getattr(shards_file, "name", "--shards")
        try:
            listed = json.load(shards_file)
        except ValueError as exc:
            raise DeployConfigError(f"{where}: not JSON ({exc})") from None
        if not isinstance(listed, list):
            raise DeployConfigError(f"{where}: expected a JSON list of shards")
        shards += [ShardRef.from_dict(d, where) for d in listed]
    shards += [ShardRef.named(n) for n in shard_names]
    jobs = compile_jobs(
        namespace=namespace,
        image=image,
        store_url=store_url,
        dataset_claim=dataset_claim,
        credentials_secret=credentials_secret,
        shards=shards,
        run=run_label or secrets.token_hex(4),
        endpoint_url=endpoint_url,
    )
    if output == "json":
        click.echo(json.dumps({"apiVersion": "v1", "kind": "List", "items": jobs}, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump_all(jobs, sort_keys=False), nl=False)


def _attach_problems() -> None:
    from replaybed.k8s.aiopslab.cli import problems

    deploy.add_command(problems)


_attach_problems()
