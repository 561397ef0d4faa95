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
    backend: str = Field("hf", description="inference backend: hf (in-process transformers) or fake")
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
    max_pages: int = 50
    parse_wall_seconds: float = 15.0
    review_lease_seconds: int = 600
    pipeline_workers: int = 1
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
    def model_cache(self) -> Path:
        return (self.cache_dir or self.home / "models").resolve()

    @property
    def adapter_dir(self) -> Path:
        return self.home / "adapters"
