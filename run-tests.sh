#!/usr/bin/env bash
# The full test suite, from a fresh Debian bookworm machine with Python 3.11 and nothing else.
# Installs the Debian packages of the real servers the integration tests start (Prometheus,
# Ceph RGW as the S3 server) and the Python packages (.venv), runs the linter (ruff) and the type
# checker (mypy) on the whole tree, then pytest. Extra arguments go to pytest, e.g.
# ./run-tests.sh -m 'not integration' or ./run-tests.sh tests/unit -x.
set -euo pipefail
cd "$(dirname "$0")"

# buildah loads and runs the runtime image (tests/integration/test_runtime_image.py builds it from
# Debian packages with runtime/build-image.sh); skopeo reads the archive as a second, independent tool
DEB_PACKAGES=(prometheus radosgw ceph-mon ceph-osd uuid-runtime curl buildah skopeo)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "run-tests: installing Debian packages: ${missing[*]}" >&2
    SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "run-tests: need Python >= 3.11 ($PYTHON)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# strict editable mode installs a tree of links named as the package is imported (replaybed.compile
# -> compile/), so pyright, mypy and jedi resolve every replaybed.* import; a new module needs this
# install to be re-run (this script does it every time)
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[all]' \
    --config-settings editable_mode=strict 2>&1 | grep -v "^WARNING: Location" >&2 || true
.venv/bin/python -c 'import replaybed, pyarrow, boto3, kubernetes, thrift, google.protobuf' # fail fast if the install broke

echo "run-tests: ruff and mypy" >&2
.venv/bin/ruff format --check --quiet . || { echo "run-tests: run '.venv/bin/ruff format .'" >&2; exit 1; }
.venv/bin/ruff check --quiet .
.venv/bin/mypy

# Integration tests fail (instead of skipping) when a server binary is missing.
export REPLAYBED_REQUIRE_SERVERS=1
exec .venv/bin/python -m pytest "$@"
