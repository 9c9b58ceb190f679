"""Offline checks of deploy/k8s: the kustomize base and its overlays.

No cluster is needed. Each overlay is rendered by a small kustomize resolver in
this file (resources, namespace, labels, images, strategic-merge and JSON 6902
patches: the features the overlays use); where a `kustomize` or `kubectl`
binary is installed, its rendering must be identical. Then:

- core kinds validate against the Kubernetes JSON schemas of a pinned release
  (`kubernetes_validate`, strict: unknown fields are errors);
- custom resources' `spec` validates against the openAPIV3Schema of the
  operators' CRDs in ../shared/k8s-crds (made strict the same way: an unknown
  field would be pruned silently by the API server);
- what a platform engineer relies on is asserted: non-root, read-only root,
  probes, resources, a grace period longer than the consumers' shutdown, every
  Deployment covered by an HPA, a PDB and NetworkPolicies, pinned images,
  migrations before rollout, topics, users and ACLs, databases and backups.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from services.catalog import PORTAL_PORT
from services.catalog import SERVICES as CATALOG
from services.intake.identity.endpoints import internal as intake_internal_api
from shared.app import SHUTDOWN_SECONDS
from shared.settings import Settings
from tests.deploy.kustomize import (
    CORE_API_VERSIONS,
    Manifest,
    key,
    kustomize_binary,
    read_documents,
    render,
)
from tests.deploy.manifests import (
    container,
    container_env,
    of_kind,
    one,
    peers,
    pod_labels,
    pod_spec,
    policies_for,
    secret_refs,
    selects,
)
from tests.deploy.settings_read import EXPECTED_PREFIXES, known_settings, settings_classes

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = {path.name: path for path in sorted((K8S / "overlays").iterdir()) if path.is_dir()}
CRDS = REPO.parent / "shared" / "k8s-crds"
KAFKA_SCRIPT = REPO / "scripts" / "kafka.sh"
DOCKERFILE = REPO / "Dockerfile"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
OPERATIONS = REPO / "docs" / "operations.md"

# The Kubernetes release the manifests are validated against (kubernetes_validate
# carries 1.25 to 1.37); the oldest release a province cluster may still run.
KUBERNETES_VERSION = "1.32"

# The ports `tiepdan serve` uses (services/catalog.py): the manifests must agree.
SERVICES = {name: entry.port for name, entry in CATALOG.items()}
# The portal (services/portal): a Deployment and a Service like the three, but no
# database, no Kafka, no secrets and no migration Job.
DEPLOYMENTS = {**SERVICES, "portal": PORTAL_PORT}
# The consumer groups the brief names; the full list comes from the services'
# definitions (services/*/app.py), and grows.
CONSUMER_GROUPS = {
    "intake": "intake.read-model",
    "routing": "routing.cases",
    "notification": "notification.cases",
}
# The topics the services use unless told otherwise (shared/settings.py defaults).
TOPIC: str = Settings.model_fields["kafka_topic"].default
DEAD_LETTER_TOPIC: str = Settings.model_fields["kafka_dead_letter_topic"].default
PHASES = {"platform", "migrate", "serve"}
# The internal API notification calls (services/intake/identity/endpoints.py): one
# reference at "/{ref}" below this path, several at the path itself.
(CONTACTS_PATH,) = {
    route.path.removesuffix("/{ref}")
    for route in intake_internal_api.routes  # type: ignore[attr-defined]
}
INTERNAL_ROOT = "/" + intake_internal_api.prefix.strip("/").split("/")[0]  # "/internal"

# Consumers finish the event in hand within shared/app.py SHUTDOWN_SECONDS, after uvicorn
# has drained open requests (timeout_graceful_shutdown in services/cli.py, a literal there).
CONSUMER_SHUTDOWN_SECONDS = SHUTDOWN_SECONDS
UVICORN_GRACEFUL_SECONDS = 25


def image_uid() -> int:
    """The uid the image runs as: its Dockerfile's USER."""
    found = re.search(r"^USER\s+(\d+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"no numeric USER in {DOCKERFILE}"
    return int(found.group(1))


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Manifest]]:
    """Every overlay, rendered; plus the base (as "base")."""
    result = {name: render(path) for name, path in OVERLAYS.items()}
    result["base"] = render(BASE)
    return result


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def overlay(request: pytest.FixtureRequest, rendered: dict[str, list[Manifest]]) -> list[Manifest]:
    return rendered[request.param]


def kafka_version() -> str:
    match = re.search(
        r"""^\s*(?:export\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?KAFKA_VERSION=["']?"""
        r"""(?:\$\{KAFKA_VERSION:?-)?(?P<version>\d+\.\d+\.\d+)""",
        KAFKA_SCRIPT.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert match, f"no KAFKA_VERSION in {KAFKA_SCRIPT}"
    return match.group("version")


# --------------------------------------------------------------------------- #
# Parsing and rendering
# --------------------------------------------------------------------------- #


def test_every_manifest_parses() -> None:
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        documents = read_documents(path)
        assert documents, f"{path.relative_to(REPO)} is empty"
        for document in documents:
            if isinstance(document, list):  # a JSON 6902 patch
                assert all({"op", "path"} <= set(op) for op in document), path
                continue
            assert isinstance(document, dict), path
            if path.name != "kustomization.yaml":
                assert {"apiVersion", "kind", "metadata"} <= set(document), path


def test_there_is_a_pilot_and_a_province_overlay() -> None:
    assert {"pilot", "province"} <= set(OVERLAYS)


def test_overlays_render_to_unique_namespaced_objects(rendered: dict[str, list[Manifest]]) -> None:
    for name, documents in rendered.items():
        keys = [key(doc) for doc in documents]
        assert len(keys) == len(set(keys)), f"{name}: duplicate objects"
        if name == "base":
            continue
        namespaces = {doc["metadata"].get("namespace") for doc in documents}
        namespaces.discard(None)
        (namespace,) = namespaces
        assert one(documents, "Namespace", namespace)
        for document in documents:
            if document["kind"] != "Namespace":
                assert document["metadata"].get("namespace") == namespace, key(document)


@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_resolver_agrees_with_kustomize(name: str, rendered: dict[str, list[Manifest]]) -> None:
    """The resolver above is only trusted because it renders what kustomize renders."""
    command = kustomize_binary()
    if command is None:
        pytest.skip(
            "no kustomize or kubectl binary: the overlays were rendered by the resolver only"
        )
    result = subprocess.run(
        [*command, str(OVERLAYS[name])], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    theirs = {key(doc): doc for doc in yaml.safe_load_all(result.stdout) if doc}
    ours = {key(doc): doc for doc in rendered[name]}
    assert sorted(theirs) == sorted(ours)
    for object_key, document in ours.items():
        assert document == theirs[object_key], f"{object_key} renders differently"


def test_every_object_belongs_to_a_deploy_phase(overlay: list[Manifest]) -> None:
    """deploy/k8s/deploy.sh applies by phase label: an object without one is never applied."""
    for document in overlay:
        phase = document["metadata"].get("labels", {}).get("tiepdan.io/phase")
        assert phase in PHASES, f"{key(document)}: tiepdan.io/phase={phase!r}"
    for document in overlay:
        phase = document["metadata"]["labels"]["tiepdan.io/phase"]
        if document["kind"] == "Job":
            assert phase == "migrate", key(document)
        if document["kind"] in ("Deployment", "HorizontalPodAutoscaler", "Ingress"):
            assert phase == "serve", key(document)
        if document["apiVersion"].split("/")[0] in ("kafka.strimzi.io", "postgresql.cnpg.io"):
            assert phase == "platform", key(document)
    script = (K8S / "deploy.sh").read_text(encoding="utf-8")
    assert script.index("phase platform") < script.index("phase migrate")
    assert script.index("phase migrate") < script.index("phase serve")
    assert "--for=condition=Complete" in script


def test_no_secret_is_committed(overlay: list[Manifest]) -> None:
    assert not [key(doc) for doc in overlay if doc["kind"] == "Secret"]
    for document in overlay:
        if document["kind"] == "ConfigMap":
            for name in document["data"]:
                assert not re.search(r"PASSWORD|SECRET|TOKEN|_KEYS?$", name), (
                    f"{name} in a ConfigMap"
                )


def test_every_referenced_secret_is_documented(overlay: list[Manifest]) -> None:
    """Secrets are created by the operators or the platform team; operations.md says which."""
    text = OPERATIONS.read_text(encoding="utf-8")
    kafka = one(overlay, "Kafka", "tiepdan")["metadata"]["name"]
    operator_made = {f"{kafka}-cluster-ca-cert"} | set(of_kind(overlay, "KafkaUser"))
    for name in secret_refs(overlay) | {"tiepdan-pg-backup-s3", "tiepdan-tls"}:
        assert f"`{name}`" in text, f"Secret {name} is not documented in docs/operations.md"
        if name not in operator_made:
            assert name.startswith("tiepdan-"), name


# --------------------------------------------------------------------------- #
# Schemas
# --------------------------------------------------------------------------- #


def test_core_kinds_validate_against_the_kubernetes_schemas(
    rendered: dict[str, list[Manifest]],
) -> None:
    assert kubernetes_validate.latest_version() >= KUBERNETES_VERSION
    checked = set()
    for name, documents in rendered.items():
        for document in documents:
            if document["apiVersion"] not in CORE_API_VERSIONS:
                continue
            try:
                kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                raise AssertionError(f"{name} {key(document)}: {error}") from None
            checked.add(document["kind"])
    assert {
        "Namespace",
        "ConfigMap",
        "ServiceAccount",
        "Deployment",
        "Service",
        "Job",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Ingress",
    } <= checked


def _strict(schema: Any) -> Any:
    """The CRD schema with unknown fields forbidden where the API server would prune them."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


@pytest.fixture(scope="module")
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the strict openAPIV3Schema of that served version."""
    assert CRDS.is_dir(), f"{CRDS} is missing: the operators' CRDs to validate against"
    schemas = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in read_documents(path):
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served"):
                    schema = version["schema"]["openAPIV3Schema"]
                    schemas[(f"{group}/{version['name']}", kind)] = _strict(schema)
    return schemas


def test_custom_resources_validate_against_the_operators_crds(
    rendered: dict[str, list[Manifest]], crd_schemas: dict[tuple[str, str], dict[str, Any]]
) -> None:
    checked = set()
    for name, documents in rendered.items():
        for document in documents:
            if document["apiVersion"] in CORE_API_VERSIONS:
                continue
            schema_key = (document["apiVersion"], document["kind"])
            assert schema_key in crd_schemas, f"{name} {key(document)}: no served CRD version"
            spec_schema = crd_schemas[schema_key]["properties"]["spec"]
            errors = list(jsonschema.Draft7Validator(spec_schema).iter_errors(document["spec"]))
            assert not errors, f"{name} {key(document)}:\n" + "\n".join(
                f"  spec/{'/'.join(map(str, e.path))}: {e.message}" for e in errors
            )
            checked.add(document["kind"])
    assert {
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "Cluster",
        "ScheduledBackup",
        "ServiceMonitor",
        "PrometheusRule",
    } <= checked


def test_strict_crd_validation_catches_a_misspelt_field(
    crd_schemas: dict[tuple[str, str], dict[str, Any]],
) -> None:
    spec_schema = crd_schemas[("kafka.strimzi.io/v1", "KafkaTopic")]["properties"]["spec"]
    validator = jsonschema.Draft7Validator(spec_schema)
    assert validator.is_valid({"partitions": 6, "replicas": 3})
    assert not validator.is_valid({"partition": 6})


# --------------------------------------------------------------------------- #
# The three Deployments
# --------------------------------------------------------------------------- #


def test_one_deployment_service_and_migration_per_service(overlay: list[Manifest]) -> None:
    assert set(of_kind(overlay, "Deployment")) == set(DEPLOYMENTS)
    assert set(of_kind(overlay, "Service")) == set(DEPLOYMENTS)
    assert set(of_kind(overlay, "Job")) == {f"migrate-{name}" for name in SERVICES}
    for name, port in DEPLOYMENTS.items():
        deployment = one(overlay, "Deployment", name)
        spec = container(deployment)
        assert spec["args"] == ["serve", name, "--host", "0.0.0.0", "--port", str(port)]
        assert {"name": "http", "containerPort": port, "protocol": "TCP"} in spec["ports"]
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0

        service = one(overlay, "Service", name)
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert selects(deployment["spec"]["selector"], pod_labels(deployment))
        assert service["spec"]["ports"] == [
            {"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}
        ]


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_pods_run_locked_down(overlay: list[Manifest], kind: str) -> None:
    for name, document in of_kind(overlay, kind).items():
        pod = pod_spec(document)
        assert pod["automountServiceAccountToken"] is False, name
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True, name
        assert security["runAsUser"] == image_uid(), f"{name}: the image's uid (Dockerfile)"
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for spec in pod["containers"] + pod.get("initContainers", []):
            context = spec["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context.get("privileged", False) is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert not context["capabilities"].get("add"), name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            mounts = {mount["mountPath"]: mount["name"] for mount in spec["volumeMounts"]}
            assert "/tmp" in mounts, f"{name}: a read-only root needs a writable /tmp"
            volumes = {volume["name"]: volume for volume in pod["volumes"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], name
            resources = spec["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert "memory" in resources["limits"], name


def test_probes_and_graceful_shutdown(overlay: list[Manifest]) -> None:
    for name, deployment in of_kind(overlay, "Deployment").items():
        spec = container(deployment)
        assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        assert spec["startupProbe"]["httpGet"]["port"] == "http", name
        # /readyz waits up to 3 s per dependency: its timeout must allow that.
        assert spec["readinessProbe"]["timeoutSeconds"] > 3, name
        startup = spec["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 60, name

        pre_stop = spec["lifecycle"]["preStop"]["sleep"]["seconds"]
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        assert grace > CONSUMER_SHUTDOWN_SECONDS
        assert grace > pre_stop + UVICORN_GRACEFUL_SECONDS + CONSUMER_SHUTDOWN_SECONDS, (
            f"{name}: {grace}s grace does not cover preStop, request drain and consumer stop"
        )


def test_images_are_pinned(overlay: list[Manifest]) -> None:
    images = []
    for document in overlay:
        if document["kind"] in ("Deployment", "Job"):
            images += [c["image"] for c in pod_spec(document)["containers"]]
            images += [c["image"] for c in pod_spec(document).get("initContainers", [])]
    images.append(one(overlay, "Cluster", "tiepdan-pg")["spec"]["imageName"])
    for image in images:
        if "@sha256:" in image:
            continue
        reference = image.rsplit("/", 1)[-1]
        assert ":" in reference, f"{image} has no tag"
        tag = reference.rsplit(":", 1)[1]
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{image} is not pinned"
    tiepdan = {c["image"] for d in of_kind(overlay, "Deployment").values() for c in [container(d)]}
    tiepdan |= {c["image"] for d in of_kind(overlay, "Job").values() for c in [container(d)]}
    assert len(tiepdan) == 1, f"one tiepdan image for services and migrations: {tiepdan}"


def test_settings_are_accepted_by_the_services(
    overlay: list[Manifest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The environment each container gets passes shared/settings.py validation."""
    from shared.settings import BusKind, Environment

    monkeypatch.chdir(tmp_path)  # no stray .env
    for variable in [name for name in os.environ if name.startswith("TIEPDAN_")]:
        monkeypatch.delenv(variable)
    config = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    for kind in ("Deployment", "Job"):
        for name, document in of_kind(overlay, kind).items():
            env = container_env(document, config)
            service = document["metadata"]["labels"]["app.kubernetes.io/name"]
            if service == "portal":
                _portal_settings_are_accepted(document, env, monkeypatch)
                continue
            assert re.fullmatch(
                rf"postgresql\+asyncpg://{service}:secret-tiepdan-db-{service}-password"
                rf"@tiepdan-pg-rw:5432/tiepdan_{service}",
                env["TIEPDAN_DATABASE_URL"],
            ), f"{name}: {env['TIEPDAN_DATABASE_URL']}"
            with monkeypatch.context() as patch:
                for variable, value in env.items():
                    patch.setenv(variable, value)
                settings = Settings()
            if kind == "Deployment":
                assert settings.env is Environment.production, name
                assert settings.bus is BusKind.kafka, name
                assert settings.kafka_topic == TOPIC
                assert settings.kafka_dead_letter_topic == DEAD_LETTER_TOPIC
                assert settings.jwt_jwks_url.startswith("https://"), name
                assert env["TIEPDAN_KAFKA_SASL_USERNAME"] == f"tiepdan-{service}"
                assert settings.kafka_security_protocol == "SASL_SSL", name
                assert settings.kafka_sasl_password.get_secret_value(), name
                assert settings.internal_token.get_secret_value(), name
                # Static membership: each replica is its pod, whose name a container restart keeps.
                assert settings.kafka_group_instance_id == "pod-metadata-name", name


def _portal_settings_are_accepted(
    deployment: Manifest, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portal reads its own settings, reaches intake and routing through their
    Services, sets Secure cookies in production, and is given no database and no secret."""
    from services.portal.settings import PortalSettings

    with monkeypatch.context() as patch:
        for variable, value in env.items():
            patch.setenv(variable, value)
        settings = PortalSettings()
    assert settings.intake_url == f"http://intake:{SERVICES['intake']}"
    assert settings.routing_url == f"http://routing:{SERVICES['routing']}"
    assert settings.secure_cookies, "portal: TIEPDAN_ENV=production makes its cookies Secure"
    assert "TIEPDAN_DATABASE_URL" not in env
    spec = container(deployment)
    assert not [v for v in spec.get("env", []) if "valueFrom" in v], "portal: no secret"


def test_migration_jobs_run_before_rollout_with_the_services_database(
    overlay: list[Manifest],
) -> None:
    config = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    for name in SERVICES:
        job = one(overlay, "Job", f"migrate-{name}")
        assert container(job)["args"] == ["migrate", name]
        assert pod_spec(job)["restartPolicy"] == "Never"
        assert job["spec"]["ttlSecondsAfterFinished"] > 0
        assert job["spec"]["backoffLimit"] <= 5
        assert job["spec"]["activeDeadlineSeconds"] > 0
        deployment = one(overlay, "Deployment", name)
        assert (
            container_env(job, config)["TIEPDAN_DATABASE_URL"]
            == container_env(deployment, config)["TIEPDAN_DATABASE_URL"]
        )
        assert container(job)["image"] == container(deployment)["image"]


# --------------------------------------------------------------------------- #
# Scaling, disruption, network
# --------------------------------------------------------------------------- #


def test_every_deployment_has_an_hpa_and_a_pdb(overlay: list[Manifest]) -> None:
    partitions = one(overlay, "KafkaTopic", TOPIC)["spec"]["partitions"]
    hpas = of_kind(overlay, "HorizontalPodAutoscaler")
    pdbs = of_kind(overlay, "PodDisruptionBudget")
    for name, deployment in of_kind(overlay, "Deployment").items():
        targeting = [
            hpa
            for hpa in hpas.values()
            if hpa["spec"]["scaleTargetRef"]
            == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        ]
        assert len(targeting) == 1, f"{name}: {len(targeting)} HPAs"
        spec = targeting[0]["spec"]
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"], name
        # Every service runs a consumer: replicas beyond the partitions sit idle.
        assert spec["maxReplicas"] <= partitions, f"{name}: more replicas than partitions"
        assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 300

        covering = [
            pdb for pdb in pdbs.values() if selects(pdb["spec"]["selector"], pod_labels(deployment))
        ]
        assert len(covering) == 1, f"{name}: {len(covering)} PDBs"
        budget = covering[0]["spec"]
        assert (
            budget.get("maxUnavailable") == 1 or budget.get("minAvailable", 0) < spec["minReplicas"]
        ), f"{name}: the PDB would block every node drain at minReplicas"


def test_overlays_size_their_environment(rendered: dict[str, list[Manifest]]) -> None:
    def bounds(overlay_name: str) -> dict[str, tuple[int, int]]:
        hpas = of_kind(rendered[overlay_name], "HorizontalPodAutoscaler")
        return {n: (h["spec"]["minReplicas"], h["spec"]["maxReplicas"]) for n, h in hpas.items()}

    pilot, province = bounds("pilot"), bounds("province")
    for name in DEPLOYMENTS:
        assert pilot[name][0] >= 1 and pilot[name][1] <= 2, f"pilot {name}: {pilot[name]}"
        assert province[name][0] >= 2 and province[name][1] > pilot[name][1], name
        requests = [
            container(one(rendered[o], "Deployment", name))["resources"]["requests"]["memory"]
            for o in ("pilot", "province")
        ]
        assert requests[0] != requests[1], f"{name}: the same resources in both overlays"


def test_database_connections_fit_the_server(overlay: list[Manifest]) -> None:
    """Every pod at its HPA maximum, each with its full pool (shared/db.py:
    up to 2 × pool_size), stays under max_connections with room for admins."""
    config = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    pool = int(config.get("TIEPDAN_DATABASE_POOL_SIZE", "10"))
    pods = sum(  # the portal opens no database connection
        h["spec"]["maxReplicas"]
        for h in of_kind(overlay, "HorizontalPodAutoscaler").values()
        if h["spec"]["scaleTargetRef"]["name"] in SERVICES
    )
    cluster = one(overlay, "Cluster", "tiepdan-pg")
    max_connections = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    assert pods * 2 * pool + len(SERVICES) * 2 + 20 <= max_connections, (
        f"{pods} pods x {2 * pool} connections exceed max_connections={max_connections}"
    )


def test_network_policies_deny_by_default_and_allow_what_must_talk(overlay: list[Manifest]) -> None:
    policies = of_kind(overlay, "NetworkPolicy")
    deny_all = [
        p
        for p in policies.values()
        if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
    ]
    assert deny_all and "Ingress" in deny_all[0]["spec"]["policyTypes"], "no default-deny ingress"

    for name, deployment in of_kind(overlay, "Deployment").items():
        labels = pod_labels(deployment)
        ingress = policies_for(overlay, labels, "Ingress")
        egress = policies_for(overlay, labels, "Egress")
        assert any(not p["spec"].get("egress") for p in egress), f"{name}: no default-deny egress"
        allowed_in = peers(ingress, "Ingress")
        namespaces = {
            peer.get("namespaceSelector", {})
            .get("matchLabels", {})
            .get("kubernetes.io/metadata.name")
            for peer, port in allowed_in
            if port == "http"
        }
        assert all(port == "http" for _, port in allowed_in), f"{name}: only its http port is open"
        allowed_out = peers(egress, "Egress")
        if name == "portal":
            _portal_talks_only_to_intake_and_routing(overlay, namespaces, allowed_out)
            continue
        assert {"ingress-nginx", "monitoring"} <= namespaces, f"{name}: {namespaces}"

        to_pods = {
            (tuple(sorted(peer["podSelector"]["matchLabels"].items())), port)
            for peer, port in allowed_out
            if "podSelector" in peer and "namespaceSelector" not in peer
        }
        assert ((("cnpg.io/cluster", "tiepdan-pg"),), 5432) in to_pods, f"{name}: no PostgreSQL"
        assert (
            (("strimzi.io/cluster", "tiepdan"), ("strimzi.io/kind", "Kafka")),
            9093,
        ) in to_pods, f"{name}: no Kafka"
        assert any(port == 53 for _, port in allowed_out), f"{name}: no DNS"

    for name, job in of_kind(overlay, "Job").items():
        labels = pod_labels(job)
        assert not peers(policies_for(overlay, labels, "Ingress"), "Ingress"), name
        out = peers(policies_for(overlay, labels, "Egress"), "Egress")
        assert {port for _, port in out} <= {53, 5432}, (
            f"{name}: a migration needs DNS and PostgreSQL"
        )

    postgres_labels = {"cnpg.io/cluster": "tiepdan-pg"}
    allowed = peers(policies_for(overlay, postgres_labels, "Ingress"), "Ingress")
    app_peers = [peer for peer, port in allowed if port == 5432 and "podSelector" in peer]
    assert any(
        selects(peer["podSelector"], pod_labels(one(overlay, "Deployment", "intake")))
        for peer in app_peers
    )
    kafka = one(overlay, "Kafka", "tiepdan")
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert any(
        selects(peer["podSelector"], pod_labels(one(overlay, "Deployment", "routing")))
        for peer in listener["networkPolicyPeers"]
    )


def _portal_talks_only_to_intake_and_routing(
    overlay: list[Manifest], namespaces: set[str | None], allowed_out: list[tuple[Any, Any]]
) -> None:
    assert namespaces == {"ingress-nginx", "monitoring"}, (
        f"portal: reached only through the ingress, and by Prometheus {namespaces}"
    )
    to_pods = {
        (peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"], port)
        for peer, port in allowed_out
        if "podSelector" in peer and "namespaceSelector" not in peer
    }
    assert to_pods == {("intake", SERVICES["intake"]), ("routing", SERVICES["routing"])}, to_pods
    assert not [peer for peer, _ in allowed_out if "ipBlock" in peer], "portal: no internet"
    assert {port for _, port in allowed_out} <= {53, SERVICES["intake"], SERVICES["routing"]}
    portal = pod_labels(one(overlay, "Deployment", "portal"))
    for service in ("intake", "routing"):
        allowed_in = peers(
            policies_for(overlay, pod_labels(one(overlay, "Deployment", service)), "Ingress"),
            "Ingress",
        )
        assert any(
            "podSelector" in peer and selects(peer["podSelector"], portal) and port == "http"
            for peer, port in allowed_in
        ), f"{service} does not let the portal in"


def test_ingress_splits_audiences_by_host(overlay: list[Manifest]) -> None:
    ingress = one(overlay, "Ingress", "tiepdan")
    services = of_kind(overlay, "Service")
    routes: dict[str, dict[str, str]] = {}
    for rule in ingress["spec"]["rules"]:
        host = rule["host"]
        audience = host.split(".", 1)[0]
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] in services, f"{host}{path['path']}: no Service"
            assert backend["port"] == {"name": "http"}
            # Only the portal's home is Exact ("/" as a Prefix would expose everything).
            exact = (audience, path["path"]) == ("www", "/")
            assert path["pathType"] == ("Exact" if exact else "Prefix"), path
            routes.setdefault(audience, {})[path["path"]] = backend["name"]
    assert set(routes) == {"api", "officials", "ops", "www"}
    www = routes.pop("www")
    assert set(www.values()) == {"portal"}
    assert set(www) == {"/", "/cases", "/units", "/track", "/lookup", "/static"}
    for path in ("/v1/cases", "/v1/categories", "/v1/units", "/open311"):
        assert routes["api"][path] == "intake", path
    for path in ("/v1/cases", "/v1/queues", "/v1/routing", "/v1/stats"):
        assert routes["officials"][path] == "routing", path
    assert set(routes["ops"].values()) == {"notification"}
    for paths in routes.values():
        for path in paths:
            assert path.startswith(("/v1", "/open311")), f"{path} would expose operations endpoints"
    tls_hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    assert tls_hosts == {rule["host"] for rule in ingress["spec"]["rules"]}


# --------------------------------------------------------------------------- #
# Kafka (Strimzi)
# --------------------------------------------------------------------------- #


def test_kafka_is_three_kraft_brokers_at_the_tested_version(overlay: list[Manifest]) -> None:
    kafka = one(overlay, "Kafka", "tiepdan")
    spec = kafka["spec"]["kafka"]
    assert spec["version"] == kafka_version(), "the Kafka the tests run (scripts/kafka.sh)"
    config = spec["config"]
    assert config["min.insync.replicas"] == 2
    assert config["default.replication.factor"] == 3
    assert config["offsets.topic.replication.factor"] == 3
    assert config["auto.create.topics.enable"] is False
    assert spec["authorization"]["type"] == "simple"
    (listener,) = spec["listeners"]
    assert listener["tls"] is True and listener["authentication"]["type"] == "scram-sha-512"

    pools = [
        pool
        for pool in of_kind(overlay, "KafkaNodePool").values()
        if pool["metadata"]["labels"]["strimzi.io/cluster"] == "tiepdan"
    ]
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    assert brokers == 3
    assert controllers == 3, "a KRaft quorum of three"
    config_map = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    port = config_map["TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1]
    assert config_map["TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"] == "tiepdan-kafka-bootstrap:9093"
    assert int(port) == listener["port"]


def test_topics_and_their_dead_letter_topic(overlay: list[Manifest]) -> None:
    config = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    topics = of_kind(overlay, "KafkaTopic")
    assert set(topics) == {TOPIC, DEAD_LETTER_TOPIC}
    for name, topic in topics.items():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "tiepdan"
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
        assert int(topic["spec"]["config"]["retention.ms"]) >= 7 * 24 * 3600 * 1000, name
    assert topics[TOPIC]["spec"]["partitions"] == int(config["TIEPDAN_KAFKA_PARTITIONS"])
    assert int(topics[DEAD_LETTER_TOPIC]["spec"]["config"]["retention.ms"]) >= int(
        topics[TOPIC]["spec"]["config"]["retention.ms"]
    )


def _group_acl_covers(acl: dict[str, Any], group: str) -> bool:
    resource = acl["resource"]
    if resource["type"] != "group" or "Read" not in acl["operations"]:
        return False
    if resource.get("patternType") == "prefix":
        return group.startswith(resource["name"])
    return group == resource["name"]


def test_each_service_has_a_kafka_user_with_acls_for_its_consumer_groups(
    overlay: list[Manifest],
) -> None:
    groups = {name: set(CATALOG[name].definition.consumers) for name in SERVICES}
    config = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    assert not config.get("TIEPDAN_KAFKA_GROUP_PREFIX"), "the ACLs name the groups unprefixed"
    users = of_kind(overlay, "KafkaUser")
    for name in SERVICES:
        assert CONSUMER_GROUPS[name] in groups[name], name
        user = users[f"tiepdan-{name}"]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        user_acls = user["spec"]["authorization"]["acls"]
        topics = {
            acl["resource"]["name"]: set(acl["operations"])
            for acl in user_acls
            if acl["resource"]["type"] == "topic"
        }
        assert {"Read", "Write", "Describe"} <= topics[TOPIC], name
        assert {"Write"} <= topics[DEAD_LETTER_TOPIC], name
        assert "Read" not in topics[DEAD_LETTER_TOPIC], name
        assert set(topics) == {TOPIC, DEAD_LETTER_TOPIC}, name
        for group in groups[name]:
            assert any(_group_acl_covers(acl, group) for acl in user_acls), f"{name}: {group}"
        for other, other_groups in groups.items():
            for group in other_groups if other != name else ():
                assert not any(_group_acl_covers(acl, group) for acl in user_acls), (
                    f"{name} may read {other}'s group {group}"
                )
        for acl in user_acls:
            assert "All" not in acl["operations"] and "Delete" not in acl["operations"], name
        # The Deployment authenticates as this user, with the password the User
        # Operator writes into the Secret of the same name.
        env = {e["name"]: e for e in container(one(overlay, "Deployment", name))["env"]}
        ref = env["TIEPDAN_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": f"tiepdan-{name}", "key": "password"}

    exporter = one(overlay, "Kafka", "tiepdan")["spec"]["kafkaExporter"]["groupRegex"]
    for group in set().union(*groups.values()):
        assert re.fullmatch(exporter, group), f"Kafka Exporter does not report {group}'s lag"


# --------------------------------------------------------------------------- #
# PostgreSQL (CloudNativePG)
# --------------------------------------------------------------------------- #


def test_postgres_cluster_holds_one_database_and_role_per_service(
    overlay: list[Manifest], crd_schemas: dict[tuple[str, str], dict[str, Any]]
) -> None:
    cluster = one(overlay, "Cluster", "tiepdan-pg")
    spec = cluster["spec"]
    assert spec["instances"] == 3
    assert re.search(r":15\.", spec["imageName"]), "PostgreSQL 15, as in tests and compose"
    initdb = spec["bootstrap"]["initdb"]
    sql = " ; ".join(initdb.get("postInitSQL", []) + initdb.get("postInitApplicationSQL", []))
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    bootstrapped = initdb["database"]
    database_crd = any(kind == "Database" for _, kind in crd_schemas)
    for name in SERVICES:
        database = f"tiepdan_{name}"
        if database == bootstrapped:
            assert initdb["owner"] == name
            assert initdb["secret"]["name"] == f"tiepdan-db-{name}"
        elif database_crd:
            assert one(overlay, "Database", f"tiepdan-{name}")
        else:
            assert f"CREATE DATABASE {database} OWNER {name}" in sql, name
            assert f"CREATE ROLE {name} LOGIN" in sql, name
        assert f"REVOKE ALL ON DATABASE {database} FROM PUBLIC" in sql, name
        assert roles[name]["login"] is True
        assert roles[name]["passwordSecret"]["name"] == f"tiepdan-db-{name}", (
            "CNPG sets the password the Deployment reads"
        )
        env = {e["name"]: e for e in container(one(overlay, "Deployment", name))["env"]}
        assert env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"tiepdan-db-{name}"


def test_postgres_is_backed_up(overlay: list[Manifest]) -> None:
    cluster = one(overlay, "Cluster", "tiepdan-pg")
    backup = cluster["spec"]["backup"]
    store = backup["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://")
    assert store["s3Credentials"]["accessKeyId"]["name"] == "tiepdan-pg-backup-s3"
    assert backup["retentionPolicy"]
    (scheduled,) = of_kind(overlay, "ScheduledBackup").values()
    assert scheduled["spec"]["cluster"]["name"] == "tiepdan-pg"
    assert scheduled["spec"]["method"] == "barmanObjectStore"
    assert len(scheduled["spec"]["schedule"].split()) == 6, "CNPG schedules start with seconds"


# --------------------------------------------------------------------------- #
# Monitoring
# --------------------------------------------------------------------------- #


def test_service_monitor_scrapes_the_three_services_and_the_portal(
    overlay: list[Manifest],
) -> None:
    (monitor,) = of_kind(overlay, "ServiceMonitor").values()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    selected = {
        name
        for name, service in of_kind(overlay, "Service").items()
        if selects(monitor["spec"]["selector"], service["metadata"]["labels"])
    }
    assert selected == set(DEPLOYMENTS)
    for name in DEPLOYMENTS:
        # The Service's http port reaches the pods, and Prometheus may open it.
        service = one(overlay, "Service", name)
        assert "http" in {port["name"] for port in service["spec"]["ports"]}, name
        allowed_in = peers(
            policies_for(overlay, pod_labels(one(overlay, "Deployment", name)), "Ingress"),
            "Ingress",
        )
        assert any(
            peer.get("namespaceSelector", {})
            .get("matchLabels", {})
            .get("kubernetes.io/metadata.name")
            == "monitoring"
            and port == "http"
            for peer, port in allowed_in
        ), f"{name}: Prometheus may not scrape it"
    (rule,) = of_kind(overlay, "PrometheusRule").values()
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert all(name in alerts["TiepdanTargetDown"]["expr"] for name in DEPLOYMENTS)


def test_prometheus_rule_carries_the_compose_alerts(overlay: list[Manifest]) -> None:
    """One set of alerts: deploy/prometheus/alerts.yml, loaded by compose's Prometheus,
    is the start of the PrometheusRule; the rest needs Kubernetes' own exporters."""
    shared = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    (rule,) = of_kind(overlay, "PrometheusRule").values()
    groups = rule["spec"]["groups"]
    assert groups[: len(shared)] == shared, (
        "the PrometheusRule differs from deploy/prometheus/alerts.yml: regenerate it"
    )
    alerts = {r["alert"] for g in groups for r in g["rules"]}
    for expected in (
        "TiepdanDeadlineBreachesRising",
        "TiepdanConsumerEventAgeHigh",
        "TiepdanKafkaConsumerLag",
        "TiepdanOutboxBacklog",
        "TiepdanHigh5xxRate",
        "TiepdanTargetDown",
        "TiepdanPodsNotReady",
        "TiepdanEventsDeadLettered",
    ):
        assert expected in alerts, expected
    text = OPERATIONS.read_text(encoding="utf-8")
    for group in groups:
        for alert in group["rules"]:
            assert alert["labels"]["severity"] in ("critical", "warning", "info")
            anchor = alert["annotations"]["runbook_url"].split("#", 1)[1]
            assert anchor == alert["alert"].lower()
            assert f"### {alert['alert']}" in text, f"{alert['alert']} is not in operations.md"


# --------------------------------------------------------------------------- #
# Settings the manifests pass
# --------------------------------------------------------------------------- #


def test_the_settings_classes_are_all_found() -> None:
    """known_settings() sees every settings class the services define."""
    classes = settings_classes()
    assert set(classes) >= EXPECTED_PREFIXES, f"settings classes found: {sorted(classes)}"
    known = known_settings()
    for name in (
        "TIEPDAN_INTERNAL_TOKEN",
        "TIEPDAN_NOTIFY_SMTP_HOST",
        "TIEPDAN_NOTIFY_CONTACT_RESOLVER_URL",
        "TIEPDAN_ATTACHMENTS_S3_ACCESS_KEY_ID",
        "TIEPDAN_KAFKA_SECURITY_PROTOCOL",
        "TIEPDAN_KAFKA_SSL_CAFILE",
    ):
        assert name in known, name


def test_every_tiepdan_setting_passed_is_known(rendered: dict[str, list[Manifest]]) -> None:
    """Every TIEPDAN_* variable any container gets (the ConfigMap, each Deployment's and
    Job's env) is read by a settings class: nothing passed is silently ignored."""
    known = known_settings()
    for overlay_name, documents in rendered.items():
        config = one(documents, "ConfigMap", "tiepdan-config")["data"]
        passed = {name: "ConfigMap tiepdan-config" for name in config}
        for kind in ("Deployment", "Job"):
            for name, document in of_kind(documents, kind).items():
                for spec in pod_spec(document)["containers"] + pod_spec(document).get(
                    "initContainers", []
                ):
                    for variable in spec.get("env", []):
                        passed.setdefault(variable["name"], f"{kind} {name}")
        unknown = {
            name: where
            for name, where in passed.items()
            if name.startswith("TIEPDAN_") and name not in known
        }
        assert not unknown, f"{overlay_name}: settings no service reads: {unknown}"


def test_kafka_security_settings_match_the_strimzi_listener(overlay: list[Manifest]) -> None:
    """The services connect to the TLS + SCRAM-SHA-512 listener: shared/settings.py reads
    the protocol, mechanism, user, password and CA file, and the CA file is where the
    cluster CA Secret is mounted."""
    config = one(overlay, "ConfigMap", "tiepdan-config")["data"]
    (listener,) = one(overlay, "Kafka", "tiepdan")["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert config["TIEPDAN_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["TIEPDAN_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert listener["authentication"]["type"] == "scram-sha-512"
    cafile = Path(config["TIEPDAN_KAFKA_SSL_CAFILE"])
    for name in SERVICES:
        deployment = one(overlay, "Deployment", name)
        spec = container(deployment)
        env = {e["name"]: e for e in spec["env"]}
        assert env["TIEPDAN_KAFKA_SASL_USERNAME"]["value"] == f"tiepdan-{name}"
        assert "secretKeyRef" in env["TIEPDAN_KAFKA_SASL_PASSWORD"]["valueFrom"]
        mounts = {m["mountPath"]: m["name"] for m in spec["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
        volume = volumes[mounts[str(cafile.parent)]]
        assert volume["secret"]["secretName"] == "tiepdan-cluster-ca-cert", name
        assert cafile.name in {item["path"] for item in volume["secret"]["items"]}, name


def test_services_share_an_internal_token_and_notification_resolves_at_intake(
    overlay: list[Manifest],
) -> None:
    """TIEPDAN_INTERNAL_TOKEN comes from one Secret for the three services; notification
    calls intake's /internal/v1/contacts through the intake Service, and the network
    policies let it (and nothing outside the namespace) reach that port."""
    refs = set()
    for name in SERVICES:
        env = {e["name"]: e for e in container(one(overlay, "Deployment", name))["env"]}
        ref = env["TIEPDAN_INTERNAL_TOKEN"]["valueFrom"]["secretKeyRef"]
        refs.add((ref["name"], ref["key"]))
    assert refs == {("tiepdan-internal-token", "token")}
    for job in of_kind(overlay, "Job").values():
        assert "TIEPDAN_INTERNAL_TOKEN" not in {e["name"] for e in container(job)["env"]}

    notification = one(overlay, "Deployment", "notification")
    env = {e["name"]: e for e in container(notification)["env"]}
    url = env["TIEPDAN_NOTIFY_CONTACT_RESOLVER_URL"]["value"]
    match = re.fullmatch(r"http://(?P<host>[a-z0-9.-]+):(?P<port>\d+)(?P<path>/\S*)", url)
    assert match, url
    host = match.group("host").split(".")
    service = one(overlay, "Service", host[0])
    assert host[0] == "intake"
    if len(host) > 1:  # intake.<namespace>[.svc...]: the overlay's own namespace
        assert host[1] == service["metadata"].get("namespace"), url
    assert int(match.group("port")) == service["spec"]["ports"][0]["port"] == SERVICES["intake"]
    assert match.group("path") == CONTACTS_PATH

    intake_labels = pod_labels(one(overlay, "Deployment", "intake"))
    notification_labels = pod_labels(notification)
    allowed_in = peers(policies_for(overlay, intake_labels, "Ingress"), "Ingress")
    assert any(
        "podSelector" in peer
        and "namespaceSelector" not in peer
        and selects(peer["podSelector"], notification_labels)
        and port == "http"
        for peer, port in allowed_in
    ), "no NetworkPolicy admits notification to intake's http port"
    assert not any(
        "podSelector" in peer
        and "namespaceSelector" not in peer
        and selects(peer["podSelector"], pod_labels(one(overlay, "Deployment", "routing")))
        for peer, _ in allowed_in
    ), "routing does not call intake: it should not be admitted"
    allowed_out = peers(policies_for(overlay, notification_labels, "Egress"), "Egress")
    assert any(
        "podSelector" in peer
        and "namespaceSelector" not in peer
        and selects(peer["podSelector"], intake_labels)
        and port in (SERVICES["intake"], "http")
        for peer, port in allowed_out
    ), "no NetworkPolicy lets notification open connections to intake"


def test_no_ingress_path_reaches_the_internal_api(rendered: dict[str, list[Manifest]]) -> None:
    """/internal/... is for the services only: no Ingress path starts with /internal, and
    no Prefix path would match a request for /internal/... either (e.g. "/")."""
    for overlay_name, documents in rendered.items():
        for name, ingress in of_kind(documents, "Ingress").items():
            for rule in ingress["spec"]["rules"]:
                for path in rule["http"]["paths"]:
                    value = path["path"]
                    where = f"{overlay_name} Ingress {name} {rule.get('host')}{value}"
                    assert not value.startswith(INTERNAL_ROOT), where
                    if path["pathType"] in ("Prefix", "ImplementationSpecific"):
                        prefix = value.rstrip("/") + "/"
                        assert not f"{CONTACTS_PATH}/x".startswith(prefix), where
