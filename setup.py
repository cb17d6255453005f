"""Maps the layer folders into one `replaybed` import namespace.

The repository keeps one top-level folder per layer (schemas, artifacts, compile, runtime, k8s)
and the umbrella command in cli/. `compile`, `runtime`, `k8s` and `schemas` are generic names,
so they are installed as `replaybed.compile` etc. instead of bare top-level packages; subpackages
are discovered so that adding one never needs an edit here.
"""

from setuptools import find_packages, setup

LAYERS = {
    "replaybed": "cli",
    "replaybed.schemas": "schemas",
    "replaybed.artifacts": "artifacts",
    "replaybed.compile": "compile",
    "replaybed.runtime": "runtime",
    "replaybed.k8s": "k8s",
}

packages: list[str] = []
package_dir: dict[str, str] = {}
for name, folder in LAYERS.items():
    package_dir[name] = folder
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=package_dir)
