"""A pinned ``kustomize`` for rendering ``deploy/k8s``, installed by the project itself.

No binary is downloaded from a release page: :func:`ensure_kustomize` builds the
pinned version from the Go module proxy with the local Go toolchain
(``go install sigs.k8s.io/kustomize/kustomize/v5@<version>``, ``GOTOOLCHAIN=local``
so Go never fetches another toolchain) into
``${XDG_CACHE_HOME:-~/.cache}/crm-devstack/kustomize-<version>/bin``, once.

CLI::

    python -m devstack.kustomize path            # install if needed, print the binary's path
    python -m devstack.kustomize build deploy/k8s/overlays/prod
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from devstack.kafka import _file_lock, cache_root

__all__ = ["KUSTOMIZE_MODULE", "KUSTOMIZE_VERSION", "build", "ensure_kustomize", "kustomize_path"]

#: v5.8.3 needs Go >= 1.27; v5.8.2 builds with the Go 1.26 of this project's machines.
KUSTOMIZE_VERSION = "v5.8.2"
KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
ENV_OVERRIDE = "DEVSTACK_KUSTOMIZE"  # path of a kustomize binary to use instead


def kustomize_path(version: str = KUSTOMIZE_VERSION) -> Path:
    """Where :func:`ensure_kustomize` puts the binary of *version*."""
    return cache_root() / f"kustomize-{version}" / "bin" / "kustomize"


def _reports_version(binary: Path, version: str) -> bool:
    try:
        result = subprocess.run(  # noqa: S603 - our own cached binary
            [str(binary), "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def ensure_kustomize(version: str = KUSTOMIZE_VERSION, *, go: str | None = None) -> Path:
    """The path of a working kustomize *version*, building it with ``go install`` if needed.

    ``DEVSTACK_KUSTOMIZE`` names a binary to use instead (it must report *version*).
    Safe to call concurrently (file lock).
    """
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        binary = Path(override)
        if not _reports_version(binary, version):
            raise RuntimeError(f"{ENV_OVERRIDE}={override} is not kustomize {version}")
        return binary
    binary = kustomize_path(version)
    if _reports_version(binary, version):
        return binary
    with _file_lock(binary.parent.parent / ".lock"):
        if _reports_version(binary, version):
            return binary
        go_bin = go or shutil.which("go")
        if not go_bin:
            raise FileNotFoundError(
                "Go (go) not found on PATH: it builds the pinned kustomize from the Go module proxy"
            )
        binary.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "GOBIN": str(binary.parent), "GOTOOLCHAIN": "local"}
        cmd = [go_bin, "install", f"{KUSTOMIZE_MODULE}@{version}"]
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            cmd,
            env=env,
            cwd=binary.parent,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0 or not _reports_version(binary, version):
            raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return binary


def build(path: Path | str, *, version: str = KUSTOMIZE_VERSION) -> str:
    """``kustomize build <path>``: the rendered multi-document YAML."""
    binary = ensure_kustomize(version)
    result = subprocess.run(  # noqa: S603 - our own cached binary
        [str(binary), "build", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"kustomize build {path} failed:\n{result.stderr}")
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.kustomize", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("path", help="install kustomize if needed and print its path")
    render = commands.add_parser("build", help="render a kustomization to stdout")
    render.add_argument("kustomization", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.command == "path":
        print(ensure_kustomize())
        return 0
    sys.stdout.write(build(arguments.kustomization))
    return 0


if __name__ == "__main__":
    sys.exit(main())
