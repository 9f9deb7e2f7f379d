"""Fixtures of the contract tests, and the installed ``contracts`` package for every test.

pytest's importlib mode names these modules ``contracts.tests.*`` and, unless the
installed ``contracts`` package was imported before, makes up a ``contracts``
namespace package from the ``contracts/`` project directory, which hides the real
one (``from contracts import TOPICS`` then fails here and in every later test
module). Putting the installed package back in ``sys.modules`` here repairs that.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest


def _restore_the_installed_contracts_package() -> None:
    module = sys.modules.get("contracts")
    if module is not None and getattr(module, "__file__", None) is None:
        del sys.modules["contracts"]
        importlib.import_module("contracts")


_restore_the_installed_contracts_package()

from contracts.governance.asyncapi import ensure_spec_schema  # noqa: E402
from contracts.governance.catalog import project_dir  # noqa: E402


@pytest.fixture(scope="session")
def root() -> Path:
    """The contracts project directory with the committed schemas and examples."""
    return project_dir()


@pytest.fixture(scope="session")
def asyncapi_spec_schema() -> Path:
    """The official AsyncAPI 3.0.0 JSON Schema (installed from npm once, then cached)."""
    return ensure_spec_schema()
