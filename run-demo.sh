#!/usr/bin/env bash
# The main job on the embedded default (local file store, synthetic data), from a fresh Debian
# machine with Python 3.11: create the environment, generate the `tiny` synthetic OpenRCA Market
# dataset, compile every scenario into the local store, list them, replay one pod's logs to the
# terminal, and the scenario's metrics into a local Prometheus (Debian's, installed when missing),
# then print what AIOpsLab's get_metrics queries return for the faulted pod.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
DEMO=${REPLAYBED_DEMO_DIR:-.demo}
SCENARIO=${SCENARIO:-cloudbed-1/000}
PROM_PORT=${PROM_PORT:-19090}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "run-demo: need Python >= 3.11 ($PYTHON)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[compile]' 2>&1 | grep -v "^WARNING: Location" >&2 || true
rb=.venv/bin/replaybed
$rb --version

echo "== 1. synthetic dataset (tiny) -> $DEMO/dataset"
[ -d "$DEMO/dataset/Market" ] || $rb synth "$DEMO/dataset" --scale tiny | tail -n 1

echo "== 2. compile every scenario into the local store (default location; REPLAYBED_STORE overrides)"
$rb compile "$DEMO/dataset"

echo "== 3. compiled scenarios"
listing=$($rb scenarios)
printf '%s\n' "$listing" | sed -n '1,12p'
echo "   ... ($(($(printf '%s\n' "$listing" | wc -l) - 1)) scenarios in all)"

POD=$($rb scenarios --json | .venv/bin/python -c "
import json, sys
s = next(x for x in json.load(sys.stdin) if x['id'].endswith('$SCENARIO'))
print(s['component'] if s['level'] == 'pod' else s['component'] + '-0')")
echo "== 4. logs of $POD in $SCENARIO, shifted so the window ends now (last 15 lines)"
$rb run logs --scenario "$SCENARIO" --pod "$POD" --anchor end --out "$DEMO/$POD.log" --json > /dev/null
tail -n 15 "$DEMO/$POD.log"

if ! command -v prometheus >/dev/null; then
    echo "== 5. installing Debian's prometheus (to show what an agent's queries return)"
    SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # the package starts a system service on :9090; the demo runs its own on $PROM_PORT
fi

echo "== 5. metrics of $SCENARIO into a fresh local Prometheus on 127.0.0.1:$PROM_PORT"
# a fresh TSDB per run: a second replay of the same window into the same TSDB would be refused
# (one incident per window), and Prometheus cannot delete out-of-order samples
mkdir -p "$DEMO/prometheus"
[ -f "$DEMO/prometheus/pid" ] && kill "$(cat "$DEMO/prometheus/pid")" 2>/dev/null && sleep 1 || true
rm -rf "$DEMO/prometheus/data"
printf 'global:\n  scrape_interval: 15s\nstorage:\n  tsdb:\n    out_of_order_time_window: 3h\n' > "$DEMO/prometheus/cfg.yml"
nohup prometheus --config.file="$DEMO/prometheus/cfg.yml" --storage.tsdb.path="$DEMO/prometheus/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver --web.enable-admin-api \
    > "$DEMO/prometheus/log" 2>&1 &
echo $! > "$DEMO/prometheus/pid"
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
$rb run metrics --scenario "$SCENARIO" --prometheus "http://127.0.0.1:$PROM_PORT" --anchor end

echo "== 6. what AIOpsLab's get_metrics(namespace, duration=5) returns for $POD"
# its exact queries: `<metric>{namespace='<ns>'}` over the last 5 minutes, step 15 s, for each name
# of its metric list (microsoft/AIOpsLab ddf7e40, aiopslab/observer/metric_api.py); rows keep
# the pods of the namespace and become cmdb_id = instance + "." + pod
.venv/bin/python - "http://127.0.0.1:$PROM_PORT" "$POD" "$($rb scenarios --json | .venv/bin/python -c "
import json, sys
print(next(x['namespace'] for x in json.load(sys.stdin) if x['id'].endswith('$SCENARIO')))")" <<'PY'
import json, sys, time, urllib.parse, urllib.request

url, pod, namespace = sys.argv[1:4]
names = ("container_cpu_usage_seconds_total container_cpu_user_seconds_total "
         "container_cpu_system_seconds_total container_cpu_cfs_throttled_seconds_total "
         "container_cpu_cfs_throttled_periods_total container_cpu_cfs_periods_total "
         "container_cpu_load_average_10s container_memory_cache container_memory_usage_bytes "
         "container_memory_working_set_bytes container_memory_rss container_memory_mapped_file "
         "container_spec_cpu_period container_spec_cpu_quota container_spec_memory_limit_bytes "
         "container_spec_cpu_shares container_threads "
         # AIOpsLab's list misses a comma here: these two names fuse into one that never exists
         "container_threads_maxcontainer_network_receive_errors_total "
         "container_network_receive_packets_dropped_total container_network_receive_packets_total "
         "container_network_receive_bytes_total container_network_transmit_bytes_total "
         "container_network_transmit_errors_total container_network_transmit_packets_dropped_total "
         "container_network_transmit_packets_total").split()
end = time.time()
print(f"   {'metric':58} {'points':>6}  first value -> last value   (cmdb_id)")
for name in names:
    query = {"query": f"{name}{{namespace='{namespace}'}}", "start": end - 300, "end": end,
             "step": 15}
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{urllib.parse.urlencode(query)}") as r:
        result = json.load(r)["data"]["result"]
    rows = [s for s in result if s["metric"].get("pod") == pod]
    if not rows:
        print(f"   {name:58} {0:>6}  (nothing for {pod})")
    for s in rows:
        cmdb = s["metric"]["instance"] + "." + s["metric"]["pod"]
        label = name + (f".{s['metric']['interface']}" if "interface" in s["metric"] else "")
        values = s["values"]
        print(f"   {label:58} {len(values):>6}  {float(values[0][1]):.3f} -> "
              f"{float(values[-1][1]):.3f}   ({cmdb})")
PY
echo "   look at them: http://127.0.0.1:$PROM_PORT/graph?g0.expr=container_cpu_usage_seconds_total&g0.range_input=2h"
echo "   stop it: kill \$(cat $DEMO/prometheus/pid)"
