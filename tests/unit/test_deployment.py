"""The compose deployment (issue 15): compose.yaml is valid Compose and runs one container per role.

compose.yaml is validated against the Compose Specification's JSON schema, vendored in
tests/fixtures/compose-spec.json (Apache-2.0, tests/fixtures/compose-spec.LICENSE; the copy that
check-jsonschema 0.39.0 ships as ``vendor.compose-spec``), so no network is needed. The facts a
deployment relies on are asserted beside it: roles, healthchecks, a scalable worker, the model
converted once into a volume, a pinned vLLM image, a multi-stage non-root Dockerfile.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.validators import validator_for

from docai.services.cli import build_parser
from docai.services.common.settings import Settings
from docai.services.pipeline.process import file_is_fresh
from docai.services.roles import healthcheck

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "tests" / "fixtures" / "compose-spec.json"
DOCAI_SERVICES = ("model-setup", "api", "worker", "web")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def _env(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "environment as a mapping"
    return env


def _stages(dockerfile: str) -> list[str]:
    """The Dockerfile's stages, each as its text from its FROM line on."""
    parts = re.split(r"(?m)^(?=FROM\s)", dockerfile)
    return [part for part in parts if part.startswith("FROM")]


def test_compose_yaml_is_valid_against_the_compose_specification(compose):
    schema = json.loads(SCHEMA.read_text())
    validator = validator_for(schema)
    validator.check_schema(schema)
    errors = sorted(validator(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert errors == [], "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_catches_what_compose_would_refuse(compose):
    """The vendored schema is the real one: an unknown key or a wrong type does not pass."""
    schema = json.loads(SCHEMA.read_text())
    validator = validator_for(schema)(schema)
    broken = json.loads(json.dumps(compose))
    broken["services"]["worker"]["replicas_please"] = 3
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["depends_on"]["postgres"]["condition"] = "service_ready"
    assert not validator.is_valid(broken)


def test_one_container_per_role_with_a_healthcheck_each(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "model-setup", "api", "worker", "web", "vllm"}
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
    for role in ("api", "worker", "web"):
        service = services[role]
        assert service["command"][:4] == ["docai", "run", "--role", role]
        assert _env(service)["DOCAI_ROLE"] == role
        assert service["healthcheck"]["test"] == ["CMD", "docai", "healthcheck"]
        assert service["build"]["target"] == "runtime"


def test_the_worker_scales_and_shares_the_database_and_the_model(compose):
    services = compose["services"]
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale worker=N needs neither"
    assert _env(worker)["DOCAI_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert _env(worker)["DOCAI_DATABASE_URL"] == _env(services["api"])["DOCAI_DATABASE_URL"]
    assert "state:/data" in worker["volumes"] and "state:/data" in services["api"]["volumes"]
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_model_is_converted_once_into_the_shared_volume(compose):
    services = compose["services"]
    setup = services["model-setup"]
    assert setup["command"] == ["docai", "setup-model"]
    assert setup["restart"] == "no"
    assert "state:/data" in setup["volumes"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["model-setup"] == {"condition": "service_completed_successfully"}


def test_the_web_is_a_thin_client_of_the_api(compose):
    services = compose["services"]
    web = _env(services["web"])
    assert web["DOCAI_API_ADDRESS"] == "api:50051"
    assert "DOCAI_DATABASE_URL" not in web, "the review page talks gRPC only"
    assert web["DOCAI_WEB_HOST"] == "0.0.0.0"
    token = web["DOCAI_WEB_SERVICE_TOKEN_FILE"]
    assert _env(services["api"])["DOCAI_WEB_SERVICE_TOKEN_FILE"] == token
    assert "tokens:/run/docai-tokens:ro" in services["web"]["volumes"]
    assert services["web"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_vllm_is_an_optional_pinned_profile_wired_through_a_setting(compose):
    services = compose["services"]
    vllm = services["vllm"]
    assert vllm["profiles"] == ["vllm"]
    image, _, tag = vllm["image"].rpartition(":")
    assert image == "vllm/vllm-openai" and re.fullmatch(r"v\d+\.\d+\.\d+", tag), vllm["image"]
    assert "--enable-lora" in vllm["command"]
    assert vllm["environment"]["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    for name in ("api", "worker"):
        assert _env(services[name])["DOCAI_VLLM_URL"] == "http://vllm:8000"
        assert services[name]["depends_on"]["vllm"] == {"condition": "service_healthy", "required": False}
    assert {"vllm_url", "vllm_model"} <= set(Settings.model_fields)


def test_the_dockerfile_is_multi_stage_and_runs_as_a_user():
    dockerfile = (REPO / "Dockerfile").read_text()
    stages = _stages(dockerfile)
    assert len(stages) >= 2
    builder, runtime = stages[0], stages[-1]
    assert "build-essential" in builder and "build-essential" not in runtime
    assert "fonts-dejavu-core" in runtime
    assert re.search(r"torch==2\.13\.0 --index-url https://download\.pytorch\.org/whl/cpu", builder)
    users = re.findall(r"(?m)^USER\s+(\S+)", runtime)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"(?m)^FROM \S+ AS runtime$", runtime)
    ignored = (REPO / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "var", "node_modules", "tests"):
        assert path in ignored


def test_docai_run_has_the_four_roles():
    parser = build_parser()
    for role in ("all", "api", "worker", "web"):
        assert parser.parse_args(["run", "--role", role]).role == role
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--role", "everything"])
    assert Settings().role == "all"


def test_a_worker_is_healthy_while_its_alive_file_is_fresh(tmp_path, monkeypatch):
    alive = tmp_path / "worker.alive"
    for key in [k for k in os.environ if k.startswith("DOCAI_")]:
        monkeypatch.delenv(key)
    settings = Settings(home=tmp_path, role="worker", worker_health_file=alive)
    assert healthcheck(settings) == (False, f"{alive} missing or older than 30 s")
    alive.touch()
    assert healthcheck(settings) == (True, "")
    old = time.time() - 31
    os.utime(alive, (old, old))
    assert not file_is_fresh(alive)
    assert healthcheck(settings)[0] is False


def test_the_api_and_web_healthchecks_fail_when_nothing_listens(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(home=tmp_path, grpc_port=port, web_port=port)
    healthy, why = healthcheck(settings, role="api", timeout=1.0)
    assert not healthy and why.startswith(f"127.0.0.1:{port}")
    healthy, why = healthcheck(settings, role="web", timeout=1.0)
    assert not healthy and why.startswith(f"http://127.0.0.1:{port}/login")


def test_a_worker_loads_the_champion_the_api_promoted(tmp_path):
    """Promotion happens in the api process; each worker's AdapterWatch loads the new champion."""
    from types import SimpleNamespace

    from docai.services.adapters.registry import AdapterRegistry
    from docai.services.models.fake_backend import FakeTextGenerator
    from docai.services.pipeline.process import AdapterWatch
    from tests.unit.test_training_registry import BASE, make_adapter

    registry = AdapterRegistry(tmp_path / "adapters", base_model=BASE, shipped=None)
    first = registry.register("extraction", make_adapter(tmp_path / "a"))
    registry.promote("extraction", first.version)
    backend = FakeTextGenerator(lambda request: "{}")
    registry.activate_all(backend, "extraction")
    watch = AdapterWatch(SimpleNamespace(registry=registry, backend=backend), interval=3600)
    assert watch.check() == []  # nothing changed since the worker started

    # The api process (another registry object on the same volume) promotes a challenger.
    api_side = AdapterRegistry(tmp_path / "adapters", base_model=BASE, shipped=None)
    second = api_side.register("extraction", make_adapter(tmp_path / "b", seed=1))
    api_side.promote("extraction", second.version)
    api_side.promote(
        "extraction", api_side.register("extraction", make_adapter(tmp_path / "c", seed=2)).version, tenant="acme"
    )
    assert sorted(watch.check(), key=str) == sorted([None, "acme"], key=str)
    assert {"champion", "extraction@v0001", "champion@acme"} <= set(backend.adapters())
    assert watch.check() == []
