"""The official AsyncAPI schema is installed from npm once, safely, into the user cache.

These tests stand a small script in for npm (it writes what ``npm install`` of
``@asyncapi/specs`` writes and counts its runs): the real install is exercised by
the session fixture that the document's validation test uses.
"""

from __future__ import annotations

import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contracts.governance.asyncapi import SPECS_PACKAGE, ensure_spec_schema, npm_cache_dir

FAKE_NPM = """#!/bin/sh
# usage: npm install --prefix DIR --no-audit --no-fund PACKAGE
echo "$@" >> "{log}"
sleep 0.2
[ -e "{fail}" ] && {{ echo "npm ERR! network" >&2; exit 1; }}
schemas="$3/node_modules/@asyncapi/specs/schemas"
mkdir -p "$schemas"
draft='http://json-schema.org/draft-07/schema#'
echo "{{\\"\\$schema\\": \\"$draft\\"}}" > "$schemas/3.0.0-without-\\$id.json"
"""


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake npm whose runs are logged in ``npm.log``; a ``fail`` file makes it fail."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    script = tmp_path / "npm"
    script.write_text(FAKE_NPM.format(log=tmp_path / "npm.log", fail=tmp_path / "fail"))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def runs(fake_npm: Path) -> list[str]:
    log = fake_npm.parent / "npm.log"
    return log.read_text().splitlines() if log.exists() else []


def test_the_cache_follows_xdg_cache_home(fake_npm: Path) -> None:
    assert npm_cache_dir() == Path(os.environ["XDG_CACHE_HOME"]) / "crm-devstack" / "npm"


def test_the_first_call_installs_the_pinned_package_and_later_calls_reuse_it(
    fake_npm: Path,
) -> None:
    # when asked twice
    first = ensure_spec_schema(npm=str(fake_npm))
    second = ensure_spec_schema(npm=str(fake_npm))

    # then npm ran once, with the pinned package, into the cache
    assert first == second
    assert json.loads(first.read_text())["$schema"].startswith("http://json-schema.org/draft-07")
    assert runs(fake_npm) == [
        f"install --prefix {npm_cache_dir()} --no-audit --no-fund {SPECS_PACKAGE}"
    ]


def test_a_half_done_install_is_redone(fake_npm: Path) -> None:
    # given an install that was interrupted before its completion marker was written
    schema = ensure_spec_schema(npm=str(fake_npm))
    (npm_cache_dir() / ".installed").unlink()

    # when asked again
    again = ensure_spec_schema(npm=str(fake_npm))

    # then npm runs again
    assert again == schema
    assert len(runs(fake_npm)) == 2


def test_a_failed_install_raises_with_npm_output_and_leaves_no_marker(fake_npm: Path) -> None:
    (fake_npm.parent / "fail").touch()

    with pytest.raises(RuntimeError, match="npm ERR! network"):
        ensure_spec_schema(npm=str(fake_npm))

    assert not (npm_cache_dir() / ".installed").exists()


def test_parallel_callers_install_only_once(fake_npm: Path) -> None:
    # when four callers ask at the same time
    with ThreadPoolExecutor(max_workers=4) as pool:
        paths = list(pool.map(lambda _: ensure_spec_schema(npm=str(fake_npm)), range(4)))

    # then they all get the schema and npm ran once
    assert len(set(paths)) == 1
    assert len(runs(fake_npm)) == 1


def test_a_missing_npm_is_a_clear_error(fake_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(fake_npm.parent / "empty"))

    with pytest.raises(FileNotFoundError, match="npm not found"):
        ensure_spec_schema()
