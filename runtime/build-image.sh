#!/usr/bin/env bash
# Build the thin runtime image (or, with --variant compile, the compile image) from Debian
# bookworm packages: an OCI archive (build/image/replaybed-runtime-<version>.oci.tar), loaded into
# the local podman/buildah storage or a running Docker engine when one is present. No registry
# and no Docker daemon are needed. See docs/runtime.md.
#   runtime/build-image.sh [--variant runtime|compile] [--out DIR] [--cache DIR] [--name REF]
#                          [--load auto|yes|no] [--json]
# Needs a Debian bookworm (amd64) machine: the packages are the candidates of its apt index.
# Installs what it needs (buildah to load the image; apt's lists if there are none), like
# run-tests.sh. STORAGE_DRIVER=vfs makes buildah/podman work where overlay mounts cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
apt_get() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq "$@"; }
if ! apt-cache show python3.11-minimal >/dev/null 2>&1; then
    echo "build-image: apt has no package lists; running apt-get update" >&2
    apt_get update
fi
if ! command -v buildah >/dev/null; then
    echo "build-image: installing buildah" >&2
    apt_get install -y --no-install-recommends buildah >/dev/null
fi

# the builder needs Python >= 3.11 with pip (to download the pinned wheels)
PY=.venv/bin/python
if [ ! -x "$PY" ]; then
    PY=build/image/tools/bin/python
    [ -x "$PY" ] || python3 -m venv build/image/tools
fi
exec "$PY" runtime/image/assemble.py "$@"
