#!/usr/bin/env bash
# The main job on the embedded default (local file store, synthetic data), from a fresh Debian
# machine with Python 3.11: creates the environment (.venv) and shows what replaybed offers.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "run-demo: need Python >= 3.11 ($PYTHON)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[compile]' 2>&1 | grep -v "^WARNING: Location" >&2 || true
.venv/bin/replaybed --version
.venv/bin/replaybed --help
