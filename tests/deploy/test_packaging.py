"""docker/: what can be proven without a Docker engine or a cluster.

The Dockerfiles pass hadolint; the compose file is valid Compose once its
variables are filled as Compose fills them; every manifest is valid against
the Kubernetes schemas (offline, strict); and all three agree with the code:
the commands exist, the settings are ones the code reads, the probes hit the
real health routes, the policies select the pods they mean.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Mapping

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyOptions

from bot.cli import COMMANDS
from bot.settings import PLATFORM_PREFIXES, SECRET_FILES
from tests.support import BIN, ROOT

DOCKER = ROOT / "docker"
K8S = DOCKER / "k8s"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
# The oldest Kubernetes release still supported upstream in late 2026, and the newest schema we have.
KUBERNETES_VERSIONS = ("1.32.0", kubernetes_validate.latest_version())
# Variables that are Compose's or the images' own, not Dorpspomp settings.
NOT_SETTINGS = frozenset(
    {
        "POSTGRES_PASSWORD",
        "POSTGRES_USER",
        "POSTGRES_DB",
        "DORPSPOMP_VERSION",
        "PATH",
        "PYTHONUNBUFFERED",
        "TF_CPP_MIN_LOG_LEVEL",
    }
)
VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def interpolated(text: str, env: Mapping[str, str]) -> str:
    """``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}`` as Compose fills them."""

    def value(match: re.Match[str]) -> str:
        name, kind, argument = match[1], match[2], match[3]
        if env.get(name):
            return env[name]
        if kind == "?":
            raise ValueError(argument)
        return argument or ""

    return VARIABLE.sub(value, text)


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def compose(env: Mapping[str, str]) -> dict[str, Any]:
    text = interpolated((DOCKER / "compose.yaml").read_text(), env)
    spec = PyOptions(apply_merge=True).from_yaml(text)
    spec.validate()
    return spec.to_dict()


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return compose({**env_file(DOCKER / "env.example"), "POSTGRES_PASSWORD": "a-password"})["services"]


def k8s_resources() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [doc for name in kustomization["resources"] for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [resource for resource in k8s_resources() if resource["kind"] == kind]


def settings_read() -> set[str]:
    """The variables bot/settings.py reads: the only module that reads the environment."""
    source = (ROOT / "bot" / "settings.py").read_text()
    return set(re.findall(r'env\.get\("(\w+)"', source)) | set(SECRET_FILES) | {"HOST", "PORT"}


def is_setting(name: str) -> bool:
    return name in settings_read() or name.startswith(PLATFORM_PREFIXES) or name.endswith("_FEED")


def final_stage(dockerfile: Path) -> list[str]:
    lines = dockerfile.read_text().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[start:]


# Dockerfiles


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    result = subprocess.run([BIN / "hadolint", str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_finds_what_it_should(tmp_path: Path) -> None:
    """The lint really runs: a Dockerfile with an unpinned base and root user fails it."""
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y gcc\nCMD python\n")
    result = subprocess.run([BIN / "hadolint", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "DL3007" in result.stdout  # the "latest" tag


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_image_is_multi_stage_non_root_and_checks_its_health(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    final = "\n".join(final_stage(dockerfile))
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2 and " AS build" in text
    assert re.search(r"^FROM python:3\.\d+-slim", final, re.M), "the final image is the slim one"
    user = re.findall(r"^USER (\S+)", final, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert not re.search(r"\b(gcc|build-essential|apt-get install)\b", final)
    assert "HEALTHCHECK" in final


def test_each_image_has_the_python_of_its_environment() -> None:
    """The gateway on a supported Python, the engine on the 3.10 Rasa 3.6 needs (Makefile, README)."""
    gateway = re.findall(r"^FROM python:3\.(\d+)", (DOCKER / "gateway.Dockerfile").read_text(), re.M)
    engine = re.findall(r"^FROM python:3\.(\d+)", (DOCKER / "engine.Dockerfile").read_text(), re.M)
    assert all(int(minor) >= 12 for minor in gateway)
    assert set(engine) == {"10"}


def test_healthchecks_ask_the_health_routes_on_the_ports_the_processes_use() -> None:
    gateway = (DOCKER / "gateway.Dockerfile").read_text()
    engine = (DOCKER / "engine.Dockerfile").read_text()
    assert "127.0.0.1:8080/healthz" in gateway and "PORT=8080" in gateway
    assert "127.0.0.1:5006/healthz" in engine and "ENGINE_PORT=5006" in engine


def test_the_images_leave_out_what_must_not_ship() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".venv", ".venv-engine", "var", "models", ".git", ".env", "tests"):
        assert path in ignored


# Compose


def test_compose_file_is_valid_compose(services: dict[str, Any]) -> None:
    assert {"proxy", "gateway", "engine", "actions", "migrate", "train", "postgres", "redis"} <= set(services)


def test_compose_refuses_to_start_without_a_database_password() -> None:
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        compose({**env_file(DOCKER / "env.example"), "POSTGRES_PASSWORD": ""})


def test_two_gateways_behind_the_proxy(services: dict[str, Any]) -> None:
    assert services["gateway"]["deploy"]["replicas"] == 2
    config = (DOCKER / "haproxy.cfg").read_text()
    assert "server-template gateway 2 gateway:8080" in config
    assert "timeout tunnel" in config  # WebSockets stay open
    assert services["proxy"]["ports"] and all("ports" not in services[name] for name in services if name != "proxy")


def test_haproxy_accepts_the_proxy_configuration() -> None:
    result = subprocess.run(["haproxy", "-c", "-f", str(DOCKER / "haproxy.cfg")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_dependency_exists_and_is_waited_for_properly(services: dict[str, Any]) -> None:
    built = {"gateway": DOCKER / "gateway.Dockerfile", "engine": DOCKER / "engine.Dockerfile"}
    for name, service in services.items():
        for needed, how in (service.get("depends_on") or {}).items():
            assert needed in services, f"{name} waits for {needed}, which is not a service"
            if how["condition"] == "service_healthy":
                has_check = (
                    "healthcheck" in services[needed] or "HEALTHCHECK" in built.get(needed, Path("/")).read_text()
                )
                assert has_check, f"{name} waits for {needed} to be healthy, which has no health check"
            if how["condition"] == "service_completed_successfully":
                assert services[needed]["restart"] == "no"


def test_named_volumes_are_declared(services: dict[str, Any]) -> None:
    declared = set(compose({**env_file(DOCKER / "env.example"), "POSTGRES_PASSWORD": "x"})["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes") or ():
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            assert source.startswith(".") or source in declared, f"{name} mounts undeclared volume {source}"


def test_the_engine_and_the_databases_have_no_way_out(services: dict[str, Any]) -> None:
    networks = compose({**env_file(DOCKER / "env.example"), "POSTGRES_PASSWORD": "x"})["networks"]
    assert networks["internal"]["internal"] is True
    for name in ("engine", "postgres", "redis"):
        assert list(services[name]["networks"]) == ["internal"]


def test_commands_are_dorpspomp_commands(services: dict[str, Any]) -> None:
    known = {command.name for command in COMMANDS}
    commands = [service["command"] for service in services.values() if service.get("command")]
    commands += [
        container["args"]
        for d in of_kind("Deployment") + of_kind("Job")
        for container in d["spec"]["template"]["spec"]["containers"]
    ]
    for command in commands:
        if command[0] == "dorpspomp":
            assert command[1] in known, command
        elif command[0] == "python":
            assert command[1:3] == ["-m", "actions.server"], command


def test_every_variable_given_is_a_setting(services: dict[str, Any]) -> None:
    given = set(env_file(DOCKER / "env.example"))
    for service in services.values():
        given |= set(service.get("environment") or {})
    for dockerfile in DOCKERFILES:
        for line in final_stage(dockerfile):
            given |= set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", line))
    for config_map in of_kind("ConfigMap"):
        given |= set(config_map["data"])
    unknown = {name for name in given - NOT_SETTINGS if not is_setting(name)}
    assert not unknown, f"not read by bot/settings.py: {sorted(unknown)}"


# Kubernetes


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_are_valid_kubernetes(version: str) -> None:
    for resource in k8s_resources():
        kubernetes_validate.validate(resource, version, strict=True)


def test_schema_validation_finds_a_mistake() -> None:
    """Strict validation really runs: a misspelt field is refused."""
    deployment = of_kind("Deployment")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": "/readyz"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def deployment(name: str) -> dict[str, Any]:
    return next(d for d in of_kind("Deployment") if d["metadata"]["name"] == name)


def test_gateways_are_probed_on_readyz_and_healthz_and_stop_in_time() -> None:
    pod = deployment("gateway")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    shutdown = float(of_kind("ConfigMap")[0]["data"]["SHUTDOWN_SECONDS"])
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > shutdown + pause


def test_every_container_runs_restricted() -> None:
    for workload in of_kind("Deployment") + of_kind("Job"):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"] + pod.get("initContainers", []):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert context["readOnlyRootFilesystem"] is True
        for container in pod["containers"]:
            assert container["resources"]["requests"]["memory"] and container["resources"]["limits"]["memory"]


def test_services_budgets_and_autoscaler_find_their_pods() -> None:
    labels = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"] for d in of_kind("Deployment")}
    for selecting in of_kind("Service") + of_kind("PodDisruptionBudget"):
        selector = selecting["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        assert any(selector.items() <= pod.items() for pod in labels.values()), selecting["metadata"]["name"]
    for autoscaler in of_kind("HorizontalPodAutoscaler"):
        assert autoscaler["spec"]["scaleTargetRef"]["name"] in labels


def test_only_gateways_reach_the_engine_and_only_the_engine_reaches_the_actions() -> None:
    policies = {
        p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name", "*"): p
        for p in of_kind("NetworkPolicy")
    }
    assert policies["*"]["spec"]["policyTypes"] == ["Ingress"] and "ingress" not in policies["*"]["spec"]

    def allowed(target: str) -> list[str]:
        return [
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            for rule in policies[target]["spec"]["ingress"]
            for peer in rule["from"]
        ]

    assert allowed("engine") == ["gateway"]
    assert allowed("actions") == ["engine"]


def test_the_ingress_sends_everything_to_the_gateways_with_websockets_kept_open() -> None:
    ingress = of_kind("Ingress")[0]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "gateway"
    assert int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


def test_the_processes_that_read_photos_share_them(services: dict[str, Any]) -> None:
    """The gateway takes a photo; the action server's report form checks it is there."""
    for name in ("gateway", "actions"):
        assert "media:/var/lib/dorpspomp/media" in [
            f"{v['source']}:{v['target']}" if isinstance(v, dict) else v for v in services[name]["volumes"]
        ], name
        claims = [
            v["persistentVolumeClaim"]["claimName"]
            for v in deployment(name)["spec"]["template"]["spec"]["volumes"]
            if "persistentVolumeClaim" in v
        ]
        assert "media" in claims, name
