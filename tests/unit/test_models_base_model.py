"""The base model cache: sources, the bundled GGUF conversion, and the real model's output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from docai.services.common.errors import FailedPreconditionError
from docai.services.models.base_model import BUNDLED_MODEL_NAME, bundled_gguf, ensure_base_model

REPO = Path(__file__).resolve().parents[2]
MODEL_CACHE = Path(os.environ.get("DOCAI_TEST_MODEL_CACHE", REPO / ".cache" / "models"))


def test_a_model_directory_source_is_returned_as_is(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    assert ensure_base_model(cache_dir=tmp_path / "cache", source=str(tmp_path)) == tmp_path
    assert not (tmp_path / "cache").exists()


def test_a_source_that_is_no_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FailedPreconditionError, match="not a Hugging Face model directory") as info:
        ensure_base_model(cache_dir=tmp_path, source=str(tmp_path / "nothing"))
    assert info.value.reason == "MODEL_UNAVAILABLE"


def test_the_bundled_gguf_is_found() -> None:
    path = bundled_gguf()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000


def test_a_half_written_conversion_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docai.services.models import base_model

    target = tmp_path / BUNDLED_MODEL_NAME
    target.mkdir()
    (target / "config.json").write_text("{}")  # no marker: an interrupted conversion
    calls: list[Path] = []

    def fake_convert(gguf: Path, out_dir: Path) -> None:
        calls.append(out_dir)
        (out_dir / "config.json").write_text('{"converted": true}')

    monkeypatch.setattr(base_model, "_convert_gguf", fake_convert)
    assert ensure_base_model(cache_dir=tmp_path) == target
    assert json.loads((target / "config.json").read_text()) == {"converted": True}
    assert ensure_base_model(cache_dir=tmp_path) == target
    assert len(calls) == 1  # the second call finds the marker
    assert [p.name for p in tmp_path.iterdir()] == [BUNDLED_MODEL_NAME]  # no temp dirs left


@pytest.mark.model
def test_real_model_answers_with_valid_invoice_json() -> None:
    from docai.services.extraction.json_schema import invoice_json_schema
    from docai.services.models import GenerationRequest
    from docai.services.models.hf_backend import HFTextGenerator
    from docai.training.bench.decode import sample_messages

    model_dir = ensure_base_model(cache_dir=MODEL_CACHE)
    backend = HFTextGenerator.load(model_dir)
    schema = invoice_json_schema()
    result = backend.generate(GenerationRequest(messages=sample_messages(), json_schema=schema, max_new_tokens=160))
    values = json.loads(result.text)
    assert set(schema["required"]) <= set(values) <= set(schema["properties"])
    assert values["invoice_number"] == "NW-2024-10387"
