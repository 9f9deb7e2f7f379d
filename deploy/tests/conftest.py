"""Render the kustomize overlays once per session, as an operator would, in a scratch copy.

Secret files are git-ignored and absent from a clone, so the copy gets each missing
``secretGenerator`` file from its committed ``.example`` (empty values become
placeholders): the test renders exactly what an operator renders after filling them in.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from devstack.kustomize import build

DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
K8S = DEPLOY / "k8s"
OVERLAYS = sorted(path.name for path in (K8S / "overlays").iterdir() if path.is_dir())

Manifest = dict[str, Any]


def load_module(path: Path) -> ModuleType:
    """A module from a file that is not on sys.path (deploy/tools, helpers beside the tests)."""
    name = f"crm_deploy_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def custom_resource_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    schemas: dict[tuple[str, str], dict[str, Any]] = load_module(
        Path(__file__).with_name("custom_resources.py")
    ).SCHEMAS
    return schemas


@pytest.fixture(scope="session")
def kafka_topics_tool() -> ModuleType:
    return load_module(DEPLOY / "tools" / "kafka_topics.py")


@pytest.fixture(scope="session")
def dlq_replay() -> ModuleType:
    return load_module(DEPLOY / "tools" / "dlq_replay.py")


def secret_files(kustomization: Path) -> Iterator[Path]:
    spec = yaml.safe_load(kustomization.read_text()) or {}
    for generator in spec.get("secretGenerator", []):
        for entry in [*generator.get("envs", []), *generator.get("files", [])]:
            yield kustomization.parent / str(entry).split("=")[-1]


def fill_in_secrets(tree: Path) -> None:
    for kustomization in tree.rglob("kustomization.yaml"):
        for path in secret_files(kustomization):
            if path.exists():
                continue
            example = path.with_name(path.name + ".example")
            lines = example.read_text().splitlines() if example.exists() else ["PLACEHOLDER="]
            filled = [
                f"{line}placeholder-not-a-secret" if line.endswith("=") else line
                for line in lines
                if line and not line.startswith("#")
            ]
            path.write_text("\n".join(filled) + "\n")


@pytest.fixture(scope="session")
def render(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[Manifest]]:
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("*.env"))
    fill_in_secrets(tree)
    cache: dict[str, list[Manifest]] = {}

    def rendered(overlay: str) -> list[Manifest]:
        if overlay not in cache:
            text = build(tree / "overlays" / overlay)
            cache[overlay] = [doc for doc in yaml.safe_load_all(text) if doc]
        return cache[overlay]

    return rendered


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def manifests(render: Callable[[str], list[Manifest]], overlay: str) -> list[Manifest]:
    return render(overlay)
