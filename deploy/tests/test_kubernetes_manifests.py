"""Every overlay renders with the pinned kustomize, every object passes the Kubernetes
schemas offline, and the manifests keep the platform's operating rules."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from contracts import TOPICS
from devstack.kafka import kafka_version

Manifest = dict[str, Any]
DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
SERVICES = {"acquisition": 8001, "loyalty": 8002, "support": 8003, "analytics": 8004}
#: the oldest Kubernetes the manifests support and the newest the validator ships
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
CUSTOM_API_GROUPS = ("kafka.strimzi.io/", "external-secrets.io/", "monitoring.coreos.com/")


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    matches = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def containers(deployment: Manifest) -> Iterator[Manifest]:
    spec = deployment["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def env_of(manifests: list[Manifest], deployment: Manifest) -> dict[str, str]:
    """The variables a Deployment's container gets from its ConfigMaps."""
    env: dict[str, str] = {}
    for source in deployment["spec"]["template"]["spec"]["containers"][0].get("envFrom", []):
        if "configMapRef" in source:
            env.update(named(manifests, "ConfigMap", source["configMapRef"]["name"])["data"])
    return env


def test_every_overlay_renders_namespaced_objects(manifests: list[Manifest]) -> None:
    kinds = {m["kind"] for m in manifests}
    assert {"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"} <= kinds
    assert {"Kafka", "KafkaNodePool", "KafkaTopic"} <= kinds
    for manifest in manifests:
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"].get("namespace") in {"crm", "crm-kafka"}, manifest


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
def test_every_object_is_valid_against_the_kubernetes_schemas(
    manifests: list[Manifest],
    kubernetes: str,
    custom_resource_schemas: dict[tuple[str, str], dict[str, Any]],
) -> None:
    errors = []
    for manifest in manifests:
        where = f"{manifest['kind']} {manifest['metadata']['name']}"
        if manifest["apiVersion"].startswith(CUSTOM_API_GROUPS):
            schema = custom_resource_schemas.get((manifest["apiVersion"], manifest["kind"]))
            if schema is None:
                errors.append(f"{where}: no schema for {manifest['apiVersion']}")
                continue
            validator = jsonschema.Draft202012Validator(schema)
            errors += [
                f"{where}: {e.json_path}: {e.message}" for e in validator.iter_errors(manifest)
            ]
            continue
        try:
            kubernetes_validate.validate(manifest, kubernetes, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{where}: {'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{where}: {manifest['apiVersion']} unknown to Kubernetes {kubernetes}")
    assert not errors, "\n".join(errors)


def test_there_is_a_deployment_service_pdb_and_network_policy_per_service(
    manifests: list[Manifest],
) -> None:
    for name, port in SERVICES.items():
        deployment = named(manifests, "Deployment", f"crm-{name}")
        service = named(manifests, "Service", f"crm-{name}")
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selects(deployment["spec"]["selector"], labels)
        assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
        assert service["spec"]["ports"] == [
            {"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}
        ]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        env = env_of(manifests, deployment)
        assert env[f"{name.upper()}_PORT"] == str(port)
        assert env[f"{name.upper()}_HOST"] == "0.0.0.0"


def test_every_container_has_probes_limits_and_runs_as_non_root(manifests: list[Manifest]) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in containers(deployment):
            where = f"{deployment['metadata']['name']}/{container['name']}"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert {"cpu", "memory"} <= set(resources["limits"]), where
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in security["capabilities"], where
            assert security.get("runAsUser", pod["securityContext"]["runAsUser"]) != 0, where


def test_a_read_only_root_keeps_a_writable_tmp(manifests: list[Manifest]) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        for container in containers(deployment):
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], deployment["metadata"]["name"]


def test_every_deployment_has_a_pod_disruption_budget(manifests: list[Manifest]) -> None:
    budgets = of_kind(manifests, "PodDisruptionBudget")
    for deployment in of_kind(manifests, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        assert len(covering) == 1, deployment["metadata"]["name"]


def test_every_image_is_pinned(manifests: list[Manifest]) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        for container in containers(deployment):
            image = container["image"]
            name, _, digest = image.partition("@")
            tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
            assert digest.startswith("sha256:") or tag, f"{image} has no tag"
            assert tag not in {"latest", "stable", "main", "dev"}, f"{image} is not pinned"
            assert container["imagePullPolicy"] == "IfNotPresent"


def test_the_namespace_denies_all_traffic_that_no_policy_allows(manifests: list[Manifest]) -> None:
    deny = [
        p
        for p in of_kind(manifests, "NetworkPolicy")
        if p["spec"]["podSelector"] == {} and p["metadata"]["namespace"] == "crm"
    ]
    assert len(deny) == 1
    assert set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny[0]["spec"]
    assert "egress" not in deny[0]["spec"]


def test_each_service_may_receive_http_from_the_ingress_and_prometheus_only(
    manifests: list[Manifest],
) -> None:
    for name in SERVICES:
        deployment = named(manifests, "Deployment", f"crm-{name}")
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        policies = [
            p
            for p in of_kind(manifests, "NetworkPolicy")
            if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"], labels)
        ]
        assert len(policies) == 1, f"{name}: {len(policies)} policies select it"
        (rule,) = policies[0]["spec"]["ingress"]
        assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
        sources = {
            (
                peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
                tuple(sorted(peer.get("podSelector", {}).get("matchLabels", {}).items())),
            )
            for peer in rule["from"]
        }
        assert sources == {
            ("ingress-nginx", ()),
            ("monitoring", (("app.kubernetes.io/name", "prometheus"),)),
        }


def test_each_service_may_reach_kafka_postgresql_and_dns_only(manifests: list[Manifest]) -> None:
    for name in SERVICES:
        (policy,) = [
            p for p in of_kind(manifests, "NetworkPolicy") if p["metadata"]["name"] == f"crm-{name}"
        ]
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        allowed = set()
        for rule in policy["spec"]["egress"]:
            assert rule.get("to"), f"{name}: an egress rule without 'to' allows everywhere"
            for peer in rule["to"]:
                assert "ipBlock" not in peer
                namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for port in rule["ports"]:
                    allowed.add((namespace, port["port"], port["protocol"]))
        assert allowed == {
            ("crm-kafka", 9092, "TCP"),
            ("crm-postgres", 5432, "TCP"),
            ("kube-system", 53, "UDP"),
            ("kube-system", 53, "TCP"),
        }


def test_prometheus_scrapes_every_service_on_its_port(manifests: list[Manifest]) -> None:
    monitors = of_kind(manifests, "ServiceMonitor")
    for name, port in SERVICES.items():
        deployment = named(manifests, "Deployment", f"crm-{name}")
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] == "/metrics"
        service = named(manifests, "Service", f"crm-{name}")
        for monitor in monitors:
            assert selects(monitor["spec"]["selector"], service["metadata"]["labels"])
            assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]


def test_kafka_topics_are_the_contracts_topics_and_their_dead_letter_topics(
    manifests: list[Manifest],
) -> None:
    topics = of_kind(manifests, "KafkaTopic")
    names = [t["spec"]["topicName"] for t in topics]
    assert sorted(names) == sorted([*TOPICS, *(f"{name}.dlq" for name in TOPICS)])
    kafka = of_kind(manifests, "Kafka")[0]
    for topic in topics:
        assert topic["spec"]["config"]["retention.ms"] == -1, topic["spec"]["topicName"]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["metadata"]["namespace"] == kafka["metadata"]["namespace"]
        assert topic["spec"]["config"]["min.insync.replicas"] <= topic["spec"]["replicas"]


def test_the_committed_topics_are_generated_from_the_contracts(kafka_topics_tool: Any) -> None:
    assert kafka_topics_tool.main(["--check", str(DEPLOY / "k8s/base/kafka/topics.yaml")]) == 0


def test_services_create_topics_with_as_many_partitions_as_the_kafka_topics_have(
    manifests: list[Manifest],
) -> None:
    (partitions,) = {t["spec"]["partitions"] for t in of_kind(manifests, "KafkaTopic")}
    for deployment in of_kind(manifests, "Deployment"):
        env = env_of(manifests, deployment)
        assert env["KAFKA_TOPIC_PARTITIONS"] == str(partitions)
        assert env["KAFKA_BOOTSTRAP_SERVERS"].startswith("crm-kafka-kafka-bootstrap.crm-kafka.")


def test_the_kafka_cluster_runs_kraft_node_pools_with_the_pinned_version(
    manifests: list[Manifest],
) -> None:
    (kafka,) = of_kind(manifests, "Kafka")
    pools = of_kind(manifests, "KafkaNodePool")
    assert kafka["spec"]["kafka"]["version"] == kafka_version(REPO / "deploy/kafka/pom.xml")
    assert "zookeeper" not in kafka["spec"]
    assert {"controller", "broker"} <= {role for pool in pools for role in pool["spec"]["roles"]}
    for pool in pools:
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    config = kafka["spec"]["kafka"]["config"]
    replicas = sum(pool["spec"]["replicas"] for pool in pools)
    assert config["auto.create.topics.enable"] is False
    assert config["log.retention.ms"] == -1
    assert config["min.insync.replicas"] <= config["default.replication.factor"] <= replicas
    assert config["offsets.topic.replication.factor"] <= replicas
    for topic in of_kind(manifests, "KafkaTopic"):
        assert topic["spec"]["replicas"] <= replicas
    listener = next(x for x in kafka["spec"]["kafka"]["listeners"] if x["port"] == 9092)
    (peer,) = listener["networkPolicyPeers"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "crm"}


def test_dev_runs_one_replica_of_each_service_on_sqlite(render: Callable[[str], Any]) -> None:
    manifests = render("dev")
    assert not of_kind(manifests, "HorizontalPodAutoscaler")
    for name in SERVICES:
        deployment = named(manifests, "Deployment", f"crm-{name}")
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}
        assert env_of(manifests, deployment)[f"{name.upper()}_EVENT_STORE"] == "sqlite"
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        claim = volumes["data"]["persistentVolumeClaim"]["claimName"]
        assert named(manifests, "PersistentVolumeClaim", claim)


def test_prod_runs_postgresql_with_two_to_partition_count_replicas(
    render: Callable[[str], Any],
) -> None:
    manifests = render("prod")
    partitions = min(t["spec"]["partitions"] for t in of_kind(manifests, "KafkaTopic"))
    secrets = {e["spec"]["target"]["name"]: e for e in of_kind(manifests, "ExternalSecret")}
    for name in SERVICES:
        deployment = named(manifests, "Deployment", f"crm-{name}")
        assert deployment["spec"]["replicas"] >= 2
        assert env_of(manifests, deployment)[f"{name.upper()}_EVENT_STORE"] == "postgres"
        sources = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        secret_names = {s["secretRef"]["name"] for s in sources if "secretRef" in s}
        assert secret_names == {"crm-jwt", f"crm-{name}-db"}
        keys = {d["secretKey"] for d in secrets[f"crm-{name}-db"]["spec"]["data"]}
        assert keys == {f"{name.upper()}_POSTGRES_DSN"}
        autoscaler = named(manifests, "HorizontalPodAutoscaler", f"crm-{name}")
        assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert 2 <= autoscaler["spec"]["minReplicas"] <= deployment["spec"]["replicas"]
        assert autoscaler["spec"]["maxReplicas"] <= partitions
        budget = named(manifests, "PodDisruptionBudget", f"crm-{name}")
        assert budget["spec"]["minAvailable"] < autoscaler["spec"]["minReplicas"]
    jwt_keys = {d["secretKey"] for d in secrets["crm-jwt"]["spec"]["data"]}
    assert jwt_keys == {"CRM_JWT_SIGNING_KEY", "CRM_JWT_PREVIOUS_SIGNING_KEYS"}


def test_no_secret_value_is_committed(render: Callable[[str], Any]) -> None:
    assert not of_kind(render("prod"), "Secret"), "prod takes its Secrets from ExternalSecrets"
    for secret in of_kind(render("dev"), "Secret"):  # generated from a git-ignored file
        assert secret["metadata"]["name"].startswith("crm-jwt-")
    committed = subprocess.run(
        ["git", "ls-files", "deploy/k8s", "deploy/docker"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not [path for path in committed if path.endswith(".env")]
    ignored = subprocess.run(
        ["git", "check-ignore", "deploy/k8s/overlays/dev/secrets/jwt.env", "deploy/docker/.env"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == ["deploy/k8s/overlays/dev/secrets/jwt.env", "deploy/docker/.env"]
    for path in (DEPLOY / "k8s").rglob("*.yaml"):
        text = path.read_text()
        assert "kind: Secret\n" not in text, f"{path} commits a Secret"
        assert "postgresql://" not in text, f"{path} commits a DSN"


def test_namespaces_and_kafka_can_be_applied_before_the_services(manifests: list[Manifest]) -> None:
    """The runbook applies ``-l 'app.kubernetes.io/component in (namespace, kafka)'`` first."""
    first = {
        m["kind"]
        for m in manifests
        if m["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        in {"namespace", "kafka"}
    }
    assert first == {"Namespace", "Kafka", "KafkaNodePool", "KafkaTopic"}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_deployed_services_refuse_to_start_on_the_development_signing_key(
    render: Callable[[str], Any], overlay: str
) -> None:
    manifests = render(overlay)
    for name in SERVICES:
        deployment = named(manifests, "Deployment", f"crm-{name}")
        assert env_of(manifests, deployment)["CRM_JWT_REQUIRE_KEY"] == "true"
