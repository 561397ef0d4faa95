"""The one settings object of a docai process (env prefix DOCAI_), built in the entry point."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The source tree this module was installed from (services/common/settings.py -> the checkout).
SOURCE_TREE = Path(__file__).resolve().parents[2]


def default_home() -> Path:
    """Where the suite keeps its state when ``DOCAI_HOME`` is not set: the same from any directory.

    In a source checkout (``pip install -e .``, what ``make`` sets up) it is the checkout's ``var/``,
    the directory the Makefile exports as ``DOCAI_HOME``; in an installed package it is
    ``$XDG_DATA_HOME/docai`` (``~/.local/share/docai``). Never relative to the working directory:
    a token created from another directory must land in the suite's database, not in a new one.
    """
    if (SOURCE_TREE / "pyproject.toml").is_file() and (SOURCE_TREE / "services" / "common").is_dir():
        return SOURCE_TREE / "var"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "docai"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCAI_", extra="ignore", frozen=True)

    home: Path = Field(
        default_factory=default_home,
        description="state directory: database, blobs, model cache, adapters; unset = the checkout's var/ "
        "(source checkout) or ~/.local/share/docai, the same from any working directory",
    )
    demo: bool = Field(
        False,
        description="demo mode (`docai run --demo`, `make run`): the demo tenant, its token in `home`/demo_token "
        "and the review page's demo account; off in a deployment, which has none of them",
    )
    cache_dir: Path | None = Field(None, description="converted base models; empty = `home`/models")
    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite in `home`")
    role: Literal["all", "api", "worker", "web"] = Field(
        "all",
        description="what this process runs (docai run --role): all = every service, the pipeline and the "
        "review page in one process; api = the gRPC services only; worker = the pipeline only; "
        "web = the review page only",
    )
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    web_host: str = Field("127.0.0.1", description="address the review page listens on (0.0.0.0 in a container)")
    web_port: int = 8080
    api_address: str = Field(
        "", description="web role: host:port of the api role's gRPC port; empty = this process's own gRPC port"
    )
    web_service_token_file: Path | None = Field(
        None,
        description="the review page's service token: the api role writes it here, the web role reads it here "
        "(empty = `home`/web_service_token)",
    )
    worker_health_file: Path | None = Field(
        None,
        description="worker role: a file touched every few seconds while the pipeline and the database are "
        "alive (`docai healthcheck --role worker` reads it); empty = <temp dir>/docai-worker.alive",
    )
    vllm_url: str = Field(
        "", description="backend vllm: base URL of the OpenAI-compatible server, e.g. http://vllm:8000"
    )
    vllm_model: str = Field("base", description="backend vllm: the served base model's name (--served-model-name)")
    backend: str = Field(
        "onnx",
        description="inference backend: onnx (ONNX Runtime, exported once at setup; the fastest measured here), "
        "hf (in-process transformers), vllm (a vLLM server) or fake (no model)",
    )
    onnx_precision: str = Field("int8", description="weights of the ONNX export: int8, fp32 or int4")
    onnx_provider: str = Field("cpu", description="ONNX Runtime execution provider: cpu, or cuda with onnxruntime-gpu")
    base_model: str = Field("", description="a Hugging Face model directory; empty = bundled SmolLM2-135M")
    shipped_adapters: Path = Field(
        SOURCE_TREE / "adapters",
        description="the adapters docai ships (extraction, brand-*): each task's first version",
    )
    dev_set: Path = Field(
        SOURCE_TREE.parent / "shared" / "eval" / "dev",
        description="evaluation invoices a tuning job's gate may add (--dev-documents); never trained on",
    )
    adapter: str = Field("champion", description="extraction adapter alias or name; 'none' = base model only")
    policy_path: Path | None = Field(None, description="routing policy YAML; empty = the bundled example")
    chooser: bool = Field(
        False,
        description="ask the extraction adapter to choose between close candidates (off: the page's evidence decides; "
        "the CPU-trained chooser measured worse than the evidence alone, docs/BENCHMARKS.md)",
    )
    calibration_path: Path | None = Field(
        None,
        description="per-field confidence calibration JSON (docai calibrate); "
        "empty = services/extraction/calibration.json",
    )
    max_upload_bytes: int = 20 * 1024 * 1024
    upload_idle_seconds: float = Field(
        30.0, description="an upload stream that sends nothing for this long is closed (ABORTED UPLOAD_IDLE)"
    )
    max_concurrent_uploads: int = Field(
        32, description="uploads in progress at once in this process; more get RESOURCE_EXHAUSTED TOO_MANY_UPLOADS"
    )
    max_concurrent_uploads_per_tenant: int = Field(
        8, description="uploads in progress at once per tenant; more get RESOURCE_EXHAUSTED TOO_MANY_UPLOADS"
    )
    max_pages: int = 50
    parse_wall_seconds: float = 15.0
    review_lease_seconds: int = 600
    pipeline_workers: int = 1
    pipeline_lease_seconds: float = Field(
        30.0,
        description="a work item's lease, renewed every third of it while a worker processes the item; "
        "a crashed worker's document is taken up again when its lease runs out (SQLite: at once on restart)",
    )
    shutdown_grace_seconds: float = Field(
        20.0, description="on SIGTERM, calls in progress get this long to finish; new calls get UNAVAILABLE"
    )
    database_busy_timeout_seconds: float = Field(
        30.0, description="SQLite: how long a call waits for a locked database before UNAVAILABLE DATABASE_UNAVAILABLE"
    )
    max_new_tokens: int = 512
    # Logs, metrics and traces (docai.services.common.observability).
    log_format: Literal["text", "json"] = Field(
        "text", description="server log lines: text, or json (one JSON object per line, for a log shipper)"
    )
    metrics_port: int | None = Field(
        None,
        description="Prometheus /metrics port on grpc_host; unset = 9464 under `docai run`, off elsewhere; 0 = off",
    )
    tracing: Literal["off", "console", "file"] = Field(
        "off", description="OpenTelemetry traces: off, console (stderr) or file (`home`/traces.jsonl, one span a line)"
    )

    @model_validator(mode="after")
    def _absolute_home(self) -> Settings:
        object.__setattr__(self, "home", self.home.resolve())
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'docai.db'}"

    @property
    def service_token_path(self) -> Path:
        return self.web_service_token_file or self.home / "web_service_token"

    @property
    def health_file(self) -> Path:
        import tempfile

        return self.worker_health_file or Path(tempfile.gettempdir()) / "docai-worker.alive"

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def upload_dir(self) -> Path:
        """Uploads in progress, spooled to disk chunk by chunk (each file removed when its call ends)."""
        return self.home / "uploads"

    @property
    def model_cache(self) -> Path:
        return (self.cache_dir or self.home / "models").resolve()

    @property
    def adapter_dir(self) -> Path:
        return self.home / "adapters"
