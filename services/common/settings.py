"""The one settings object of a docai process (env prefix DOCAI_), built in the entry point."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCAI_", extra="ignore", frozen=True)

    home: Path = Field(Path("var"), description="state directory: database, blobs, model cache, adapters")
    cache_dir: Path | None = Field(None, description="converted base models; empty = `home`/models")
    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite in `home`")
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    web_port: int = 8080
    backend: str = Field(
        "hf", description="inference backend: hf (in-process transformers), onnx (ONNX Runtime, exported once), vllm or fake"
    )
    onnx_precision: str = Field("int8", description="weights of the ONNX export: int8, fp32 or int4")
    onnx_provider: str = Field("cpu", description="ONNX Runtime execution provider: cpu, or cuda with onnxruntime-gpu")
    base_model: str = Field("", description="a Hugging Face model directory; empty = bundled SmolLM2-135M")
    adapter: str = Field("champion", description="extraction adapter alias or name; 'none' = base model only")
    policy_path: Path | None = Field(None, description="routing policy YAML; empty = the bundled example")
    chooser: bool = Field(
        False, description="ask the extraction adapter to choose between close candidates (off: the page's evidence decides; "
        "the CPU-trained chooser measured worse than the evidence alone, docs/BENCHMARKS.md)",
    )
    calibration_path: Path | None = Field(
        None, description="per-field confidence calibration JSON (docai calibrate); empty = services/extraction/calibration.json"
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
        30.0, description="a work item's lease, renewed every third of it while a worker processes the item; "
        "a crashed worker's document is taken up again when its lease runs out (SQLite: at once on restart)",
    )
    shutdown_grace_seconds: float = Field(
        20.0, description="on SIGTERM, calls in progress get this long to finish; new calls get UNAVAILABLE"
    )
    database_busy_timeout_seconds: float = Field(
        30.0, description="SQLite: how long a call waits for a locked database before UNAVAILABLE DATABASE_UNAVAILABLE"
    )
    max_new_tokens: int = 512

    @model_validator(mode="after")
    def _absolute_home(self) -> Settings:
        object.__setattr__(self, "home", self.home.resolve())
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'docai.db'}"

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
