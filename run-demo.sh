#!/usr/bin/env bash
# The main job on the embedded default (local file store, synthetic data), from a fresh Debian
# machine with Python 3.11: create the environment, generate the `tiny` synthetic OpenRCA Market
# dataset, compile every scenario into the local store, list them, replay one pod's logs to the
# terminal and, when Prometheus is installed, the scenario's metrics into a local Prometheus.
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

if command -v prometheus >/dev/null; then
    echo "== 5. metrics of $SCENARIO into a local Prometheus on 127.0.0.1:$PROM_PORT"
    mkdir -p "$DEMO/prometheus"
    printf 'global:\n  scrape_interval: 15s\nstorage:\n  tsdb:\n    out_of_order_time_window: 3h\n' > "$DEMO/prometheus/cfg.yml"
    if ! curl -fs "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1; then
        nohup prometheus --config.file="$DEMO/prometheus/cfg.yml" --storage.tsdb.path="$DEMO/prometheus/data" \
            --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver \
            > "$DEMO/prometheus/log" 2>&1 &
        echo $! > "$DEMO/prometheus/pid"
        for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    fi
    $rb run metrics --scenario "$SCENARIO" --prometheus "http://127.0.0.1:$PROM_PORT" --anchor end
    start=$(( $(date +%s) - 7200 ))
    series=$(curl -fsG "http://127.0.0.1:$PROM_PORT/api/v1/series" --data-urlencode 'match[]={namespace=~"openrca-.*"}' \
        --data-urlencode "start=$start" | .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))' || echo "?")
    echo "   series now in Prometheus (last 2 h): $series"
    echo "   look at them: http://127.0.0.1:$PROM_PORT/graph?g0.expr=container_cpu_usage_seconds_total&g0.range_input=2h"
    echo "   stop it: kill \$(cat $DEMO/prometheus/pid)"
else
    echo "== 5. (Prometheus not installed: apt-get install prometheus, then re-run to replay metrics into it)"
fi
