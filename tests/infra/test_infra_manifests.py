"""infra/ against the code: every manifest parses, and every longloop command and flag, Python module,
environment variable, deployment name, file path and version that infra/ names exists where it points.

Nothing here starts a container or a cluster; it reads the files and asks the code (the CLI parser, the
settings model, prefect.yaml, the installed Prefect and MLflow) whether what they name is real.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.util
import io
import json
import os
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.package_layout import SOURCE_FOLDERS

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
COMPOSE_FILE = INFRA / "compose" / "docker-compose.yml"
ENV_EXAMPLE = INFRA / "compose" / ".env.example"
K8S = INFRA / "k8s"
BASE_JOB_TEMPLATE = K8S / "prefect-base-job-template.json"
WORKER_VALUES = K8S / "prefect-worker-values.yaml"
SERVING_PARAMS = INFRA / "serving-params.yaml"
PREFECT_YAML = ROOT / "prefect.yaml"

OUR_PACKAGES = set(SOURCE_FOLDERS)

# Variables that belong to Prefect and MLflow, not to longloop; test_library_variables_are_real_and_used checks each
# against the installed library, so a typo here fails too.
LIBRARY_VARIABLES = {
    "PREFECT_API_URL",
    "PREFECT_API_AUTH_STRING",
    "PREFECT_API_KEY",
    "PREFECT_API_DATABASE_CONNECTION_URL",
    "PREFECT_SERVER_DATABASE_CONNECTION_URL",
    "PREFECT_SERVER_API_AUTH_STRING",
    "PREFECT_SERVER_API_HOST",
    "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED",
    "PREFECT_SERVER_UI_API_URL",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "PREFECT_HOME",
    "PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_S3_ENDPOINT_URL",
    "MLFLOW_BACKEND_STORE_URI",
    "MLFLOW_SERVER_ALLOWED_HOSTS",
    "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS",
    "MLFLOW_FLASK_SERVER_SECRET_KEY",
    "MLFLOW_DISABLE_TELEMETRY",
}
CHECKED_VARIABLE = re.compile(r"\b(?:LONGLOOP|MLFLOW|PREFECT)_[A-Z0-9_]*[A-Z0-9]\b")
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
SCRIPT_READS = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
SCRIPT_SETS = re.compile(r"(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")
DEPLOYMENT_REF = re.compile(r"(?<![\w.-])(longloop-[a-z0-9-]+)/([a-z0-9][a-z0-9-]*)")
INFRA_PATH = re.compile(r"(?<![\w./-])((?:infra|tests/infra)/[\w./-]*[\w/])")
CODE_SPAN = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", re.S)
SHELL_STOP = re.compile(r"[|;&#\\]|\$\(")
NAMESPACED_KINDS = {"Deployment", "Service", "Job", "PersistentVolumeClaim", "ConfigMap", "Secret"}


# ---------------------------------------------------------------- reading infra/


@cache
def infra_files() -> tuple[Path, ...]:
    return tuple(sorted(p for p in INFRA.rglob("*") if p.is_file() and "__pycache__" not in p.parts))


@cache
def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def yaml_files() -> list[Path]:
    return [p for p in infra_files() if p.suffix in (".yml", ".yaml")]


@cache
def yaml_docs(path: Path) -> tuple:
    return tuple(d for d in yaml.safe_load_all(text(path)) if d is not None)


@cache
def compose() -> dict:
    return yaml.safe_load(text(COMPOSE_FILE))


def k8s_manifests() -> list[tuple[Path, dict]]:
    """Every Kubernetes object under infra/k8s (Helm values files are not objects)."""
    return [(p, d) for p in yaml_files() if p.parent == K8S and p != WORKER_VALUES for d in yaml_docs(p)]


def structured(path: Path) -> list:
    if path.suffix in (".yml", ".yaml"):
        return list(yaml_docs(path))
    if path.suffix == ".json":
        return [json.loads(text(path))]
    return []


def walk(node):
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def comment_lines(body: str) -> str:
    return "\n".join(line for line in body.splitlines() if line.lstrip().startswith("#"))


def shell_texts() -> list[tuple[Path, str]]:
    """Where infra/ writes commands as text: code spans of the guides and of comments, shell scripts, the
    Dockerfile's instructions, and shell scripts inside manifests (e.g. `sh -c` arguments)."""
    out = []
    for p in infra_files():
        body = text(p)
        if p.suffix == ".md":
            prose = body
        else:
            prose = comment_lines(body)
        out += [(p, a or b) for a, b in CODE_SPAN.findall(prose)]
        if p.suffix == ".sh" or p.name == "Dockerfile":
            out.append((p, "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))))
        for node in (n for doc in structured(p) for n in walk(doc)):
            if isinstance(node, str) and "\n" in node:
                out.append((p, node))
    return out


def command_lists() -> list[tuple[Path, list[str]]]:
    """Commands written as lists: compose `command`, Kubernetes `args`, the Dockerfile's exec-form CMD."""
    out = []
    for p in infra_files():
        for node in (n for doc in structured(p) for n in walk(doc)):
            if isinstance(node, list) and node and all(isinstance(x, str) for x in node):
                out.append((p, node))
        if p.name == "Dockerfile":
            for line in text(p).splitlines():
                if re.match(r"(CMD|ENTRYPOINT|RUN)\s+\[", line):
                    out.append((p, json.loads(line.split(None, 1)[1])))
    return out


def invocations(program: str) -> list[tuple[Path, str, list[str]]]:
    """(file, first argument, the tokens after it) for every call of ``program`` in infra/."""
    found = []
    for p, cmd in command_lists():
        for i, tok in enumerate(cmd[:-1]):
            if tok.rsplit("/", 1)[-1] == program:
                found.append((p, cmd[i + 1], cmd[i + 2 :]))
    # Not a word's tail (longloop.x, user:longloop) and not a namespace (-n longloop).
    pattern = re.compile(
        rf"(?<![\w.:=-])(?<!-n )(?<!--namespace )(?:[\w./-]*/)?{re.escape(program)}"
        r"[ \t]+([^\s|;&#\\]+)([^\n]*)"
    )
    for p, body in shell_texts():
        for first, rest in pattern.findall(body):
            found.append((p, first, SHELL_STOP.split(rest)[0].split()))
    return found


def flags(tokens: list[str]) -> set[str]:
    return {t.split("=", 1)[0] for t in tokens if t.startswith("--")}


# ---------------------------------------------------------------- what the code offers


@cache
def cli_options() -> dict[str, set[str]]:
    from longloop.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: {o for a in p._actions for o in a.option_strings} for name, p in sub.choices.items()}


def module_options(module: str) -> set[str]:
    mod = importlib.import_module(module)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        mod.main(["--help"])
    return set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", out.getvalue()))


@cache
def code_text() -> str:
    """The code base outside infra/: sources, tests, configs, CI scripts."""
    skip = {".venv", ".longloop", ".longloop-stack", ".git", "infra", "build", "__pycache__", ".whl"}
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in skip and not d.endswith(".egg-info")]
        if Path(folder) != Path(__file__).parent:
            files += [Path(folder) / n for n in names if n.endswith(".py")]
    files += [ROOT / "params.yaml", ROOT / "Makefile", *(ROOT / ".ci").glob("*")]
    files += [PREFECT_YAML] if PREFECT_YAML.exists() else []
    return "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in files if p.is_file())


@cache
def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def pinned(package: str) -> str:
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.split("==")[0].strip() == package and "==" in line:
            return line.split("==")[1].strip()
    raise AssertionError(f"constraints.txt does not pin {package}")


def load(path: Path):
    from longloop.settings.params import load_params

    return load_params(path)


@cache
def prefect_deployments() -> dict[str, dict]:
    """prefect.yaml's deployments by full name, <flow name>/<deployment name>, the flow name read from the
    @flow decorator of the entrypoint."""
    config = yaml.safe_load(PREFECT_YAML.read_text())
    out = {}
    for dep in config.get("deployments") or []:
        file, func = dep["entrypoint"].split(":")
        tree = ast.parse((ROOT / file).read_text())
        fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == func)
        flow_name = fn.name.replace("_", "-")
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call):
                flow_name = next((k.value.value for k in deco.keywords if k.arg == "name"), flow_name)
        out[f"{flow_name}/{dep['name']}"] = dep
    return out


# ---------------------------------------------------------------- syntax


def test_every_manifest_parses():
    assert yaml_files(), "no YAML under infra/"
    for p in yaml_files():
        assert yaml_docs(p), f"{p.relative_to(ROOT)}: no YAML document"
    for p in (q for q in infra_files() if q.suffix == ".json"):
        json.loads(text(p))


# ---------------------------------------------------------------- docker compose


def test_compose_services_run_an_image_and_wait_for_healthy_dependencies():
    services = compose()["services"]
    assert {"postgres", "minio", "minio-buckets", "prefect-server", "prefect-worker", "mlflow", "serving"} <= set(
        services
    )
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, f"service {name}: neither image nor build"
        if "build" in svc:
            context = (COMPOSE_FILE.parent / svc["build"]["context"]).resolve()
            assert (context / svc["build"]["dockerfile"]).is_file(), f"service {name}: no Dockerfile"
        if svc.get("restart", "no") != "no":
            assert "healthcheck" in svc, f"long-running service {name} has no healthcheck"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"service {name} depends on unknown {dep}"
            assert cond["condition"] in ("service_healthy", "service_completed_successfully"), (name, dep)
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy, which has no healthcheck"
            else:
                assert services[dep].get("restart") == "no", f"{name} waits for long-running {dep} to exit"
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"service {name} publishes {port} beyond loopback"
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_FILE.parent / source).exists(), f"service {name} mounts missing {source}"
            else:
                assert source in compose()["volumes"], f"service {name} mounts undeclared volume {source}"


def test_compose_variables_are_defined_in_env_example():
    used = set(COMPOSE_VARIABLE.findall(text(COMPOSE_FILE)))
    defined = {
        line.split("=", 1)[0].strip()
        for line in text(ENV_EXAMPLE).splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert used, "compose uses no variables from .env"
    assert used <= defined, f"used in docker-compose.yml but not in .env.example: {sorted(used - defined)}"
    assert defined <= used, f"in .env.example but unused by docker-compose.yml: {sorted(defined - used)}"
    assert all(
        not line.split("=", 1)[1].strip()
        for line in text(ENV_EXAMPLE).splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    ), ".env.example must hold no secret values"


def test_compose_database_urls_name_an_installed_driver():
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; the servers' drivers are asyncpg and psycopg2.
    urls = [v for v in walk(compose()) if isinstance(v, str) and re.match(r"postgresql[+:]", v)]
    drivers = [re.match(r"postgresql(?:\+(\w+))?://", u).group(1) for u in urls]
    assert len(drivers) == 2 and all(drivers), f"connection URLs must name their driver: {drivers}"
    for driver in drivers:
        assert importlib.util.find_spec(driver), f"the driver {driver} is not installed"
    assert "psycopg2-binary" in text(INFRA / "docker" / "server-requirements.txt")


def test_compose_serves_the_ports_the_config_names():
    services = compose()["services"]
    port = load(SERVING_PARAMS).serving.port
    assert f"127.0.0.1:{port}:{port}" in services["serving"]["ports"]
    assert f":{port}/health" in " ".join(services["serving"]["healthcheck"]["test"])
    token_env = load(SERVING_PARAMS).serving.auth_token_env
    assert token_env in services["serving"]["environment"]


# ---------------------------------------------------------------- commands, flags, modules


def test_every_longloop_command_and_flag_named_in_infra_exists():
    options = cli_options()
    calls = invocations("longloop")
    assert any(first == "serve" for _, first, _ in calls), "infra/ never runs `longloop serve`"
    for path, sub, rest in calls:
        where = path.relative_to(ROOT)
        assert sub in options, f"{where}: `longloop {sub}` is not a longloop subcommand ({sorted(options)})"
        unknown = flags(rest) - options[sub]
        assert not unknown, f"{where}: `longloop {sub}` has no option {sorted(unknown)}"


def test_every_python_module_named_in_infra_imports_and_takes_its_flags():
    calls = [(p, first, rest) for p, first, rest in invocations("-m")]
    ours = [(p, m, rest) for p, m, rest in calls if m.split(".")[0] in OUR_PACKAGES]
    assert any(m == "longloop.train_distributed" for _, m, _ in ours), "infra/ never runs the distributed trainer"
    for path, module, rest in ours:
        assert importlib.util.find_spec(module) is not None, f"{path.relative_to(ROOT)}: no module {module}"
        unknown = flags(rest) - module_options(module)
        assert not unknown, f"{path.relative_to(ROOT)}: `-m {module}` has no option {sorted(unknown)}"


def test_every_infra_path_named_exists():
    for p in infra_files():
        for named in INFRA_PATH.findall(text(p)):
            if named.endswith("/.env"):  # the file .env.example tells the user to create
                continue
            assert (ROOT / named).exists(), f"{p.relative_to(ROOT)} names {named}, which does not exist"


# ---------------------------------------------------------------- environment variables


def test_every_environment_variable_named_in_infra_is_real():
    """A LONGLOOP_*, MLFLOW_* or PREFECT_* variable is real when the code base names it, an infra script reads
    or sets it, infra/serving-params.yaml names it as the serving token's variable, or Prefect or MLflow
    define it."""
    scripts = [text(p) for p in infra_files() if p.suffix == ".sh"]
    scripts_read = {v for s in scripts for v in SCRIPT_READS.findall(s) + SCRIPT_SETS.findall(s)}
    token_env = {load(SERVING_PARAMS).serving.auth_token_env}
    code = code_text()
    unknown = {}
    for p in infra_files():
        for name in set(CHECKED_VARIABLE.findall(text(p))):
            known = (
                name in LIBRARY_VARIABLES
                or name in scripts_read
                or name in token_env
                or re.search(rf"\b{name}\b", code)
            )
            if not known:
                unknown.setdefault(name, str(p.relative_to(ROOT)))
    assert not unknown, f"variables that nothing reads (name: first file): {unknown}"


def test_library_variables_are_real_and_used():
    import prefect.settings

    # Prefect's settings are generated from its settings models, so ask them; the few variables Prefect reads
    # directly, and all of MLflow's, appear in the library's source as string literals.
    settings = {n for n in LIBRARY_VARIABLES if n.startswith("PREFECT_") and hasattr(prefect.settings, n)}
    for library in ("prefect", "mlflow"):
        names = {n for n in LIBRARY_VARIABLES if n.startswith(library.upper() + "_")} - settings
        pattern = re.compile(r"[\"'](" + "|".join(sorted(names)) + r")[\"']")
        source = Path(importlib.util.find_spec(library).submodule_search_locations[0])
        found = {m for p in source.rglob("*.py") for m in pattern.findall(p.read_text(errors="ignore"))}
        assert names <= found, f"not {library} variables: {sorted(names - found)}"
    infra_text = "\n".join(text(p) for p in infra_files())
    stale = [n for n in LIBRARY_VARIABLES if not re.search(rf"\b{n}\b", infra_text)]
    assert not stale, f"allow-listed but named nowhere in infra/: {stale}"


# ---------------------------------------------------------------- Kubernetes


def test_kubernetes_objects_are_complete():
    objects = k8s_manifests()
    kinds = {d["kind"] for _, d in objects}
    assert {"Namespace", "PersistentVolumeClaim", "Deployment", "Service", "Job"} <= kinds
    claims = {d["metadata"]["name"] for _, d in objects if d["kind"] == "PersistentVolumeClaim"}
    guide = text(K8S / "README.md")
    for path, doc in objects:
        where = f"{path.relative_to(ROOT)}: {doc.get('kind')}"
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), where
        if doc["kind"] in NAMESPACED_KINDS:
            assert doc["metadata"].get("namespace") == "longloop", f"{where} is not in the namespace longloop"
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        for volume in pod.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, f"{where}: unknown claim"
        for container in pod["containers"]:
            assert re.fullmatch(rf"longloop(-cuda)?:{re.escape(project_version())}", container["image"]), where
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                assert re.search(rf"create (configmap|secret generic) {ref['name']}\b", guide), (
                    f"{where}: {ref['name']} is created nowhere in infra/k8s/README.md"
                )
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    created = rf"create secret generic {ref['name']} --from-literal={ref['key']}="
                    assert re.search(created, guide), f"{where}: {ref['name']} is created nowhere"


def test_serving_deployment_probes_and_token():
    (doc,) = [
        d for _, d in k8s_manifests() if d["kind"] == "Deployment" and d["metadata"]["name"] == "longloop-serving"
    ]
    (container,) = doc["spec"]["template"]["spec"]["containers"]
    sp = load(SERVING_PARAMS).serving
    assert container["ports"][0]["containerPort"] == sp.port
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert sp.auth_token_env in {e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    (service,) = [d for _, d in k8s_manifests() if d["kind"] == "Service"]
    assert service["spec"]["selector"].items() <= doc["spec"]["template"]["metadata"]["labels"].items()


def test_gpu_training_job_asks_for_a_gpu_and_runs_torchrun():
    (job,) = [d for _, d in k8s_manifests() if d["kind"] == "Job" and "gpu" in d["metadata"]["name"]]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["args"][:5] == ["torchrun", "--standalone", "--nproc_per_node", "1", "-m"]


def test_work_pool_template_uses_exactly_its_variables():
    template = json.loads(text(BASE_JOB_TEMPLATE))
    declared = set(template["variables"]["properties"])
    used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", json.dumps(template["job_configuration"])))
    assert used == declared, f"declared only: {sorted(declared - used)}; used only: {sorted(used - declared)}"
    props = template["variables"]["properties"]
    assert props["image"]["default"] == f"longloop-cuda:{project_version()}"
    claims = {d["metadata"]["name"] for _, d in k8s_manifests() if d["kind"] == "PersistentVolumeClaim"}
    assert props["state_volume_claim"]["default"] in claims
    container = template["job_configuration"]["job_manifest"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "{{ gpu_limit }}"


def test_worker_values_match_the_pool_and_the_pinned_prefect():
    values = yaml.safe_load(text(WORKER_VALUES))["worker"]
    assert values["image"]["prefectTag"].startswith(f"{pinned('prefect')}-python")
    assert values["config"]["type"] == "kubernetes"
    pool = values["config"]["workPool"]
    registered = [rest for _, first, rest in invocations("prefect") if first == "deploy" and "--pool" in rest]
    assert registered and all(rest[rest.index("--pool") + 1] == pool for rest in registered)


# ---------------------------------------------------------------- versions and configs


def test_images_carry_the_project_version():
    images = [svc["image"] for svc in compose()["services"].values() if svc.get("image", "").startswith("longloop")]
    assert images and all(i == f"longloop:{project_version()}" for i in images), images
    for path in infra_files():
        for tag in re.findall(r"\blongloop(?:-cuda)?:(\d[\w.]*\d)", text(path)):
            assert tag == project_version(), f"{path.relative_to(ROOT)}: image tag {tag}, project {project_version()}"


def test_serving_params_differ_from_params_yaml_only_where_a_container_needs():
    container, project = load(SERVING_PARAMS), load(ROOT / "params.yaml")
    assert container.serving.host == "0.0.0.0" and container.serving.auth_token_env
    differing = {k for k, v in container.serving.model_dump().items() if project.serving.model_dump()[k] != v}
    assert differing <= {"host", "port", "auth_token_env"}, f"serving-params.yaml differs in {sorted(differing)}"
    assert container.registry.model_name == project.registry.model_name
    assert container.project.state_dir == project.project.state_dir


# ---------------------------------------------------------------- Prefect deployments


def test_deployments_named_in_infra_exist_in_prefect_yaml():
    assert PREFECT_YAML.exists(), "prefect.yaml declares the deployments infra/ runs"
    deployments = prefect_deployments()
    named = {(p, f"{flow}/{dep}") for p in infra_files() for flow, dep in DEPLOYMENT_REF.findall(text(p))}
    assert named, "infra/ names no deployment"
    unknown = {(str(p.relative_to(ROOT)), n) for p, n in named if n not in deployments}
    assert not unknown, f"not deployments of prefect.yaml ({sorted(deployments)}): {sorted(unknown)}"
    loop = re.search(r"for \w+ in ([^;]+); do", text(K8S / "register-deployments-job.yaml"))
    registered = set(loop.group(1).replace("\\", " ").split())
    assert registered == {d["name"] for d in deployments.values()}, (
        f"the Kubernetes registration Job deploys {sorted(registered)}"
    )
    compose_pool = next(
        rest[rest.index("--pool") + 1]
        for _, first, rest in invocations("prefect")
        if first == "worker" and "--pool" in rest
    )
    pools = {d.get("work_pool", {}).get("name") for d in deployments.values()}
    assert pools == {compose_pool}, f"prefect.yaml's pools {pools}, the compose worker polls {compose_pool}"
