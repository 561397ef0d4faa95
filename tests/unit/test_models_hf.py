"""The in-process HF backend on a tiny random model: constrained JSON, adapters, streaming."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from docai.services.common.errors import InvalidArgumentError, NotFoundError, ResourceExhaustedError
from docai.services.extraction.json_schema import invoice_json_schema
from docai.services.models import GenerationRequest, create_backend
from docai.services.models.base_model import BUNDLED_MODEL_NAME
from docai.services.models.hf_backend import HFTextGenerator
from docai.services.models.tiny import make_tiny_model

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Invoice INV-2024-001 from ACME GmbH, total 119.00 EUR"}]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    converted = REPO / ".cache" / "models" / BUNDLED_MODEL_NAME
    # The converted model's tokenizer loads in 0.4 s, the GGUF's in ~7 s: same tokenizer.
    tokenizer_from = converted if (converted / "tokenizer.json").is_file() else None
    return make_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer_from=tokenizer_from)


@pytest.fixture(scope="module")
def backend(tiny_dir: Path) -> HFTextGenerator:
    return HFTextGenerator.load(tiny_dir, device="cpu", dtype="float32")


def make_adapter(model_dir: Path, out: Path, *, seed: int, rank: int = 4) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    # init_lora_weights=False: random A and B, so the adapter really changes the outputs.
    config = LoraConfig(r=rank, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(out)
    return out


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """A minimal JSON-schema check for the keywords invoice_json_schema uses."""
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                return validate(value, option, path)
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{path}: no anyOf branch matches: {errors}")
    kind = schema.get("type")
    if kind == "null":
        assert value is None, path
    elif kind == "string":
        assert isinstance(value, str), path
        assert len(value) <= schema.get("maxLength", len(value)), path
        assert value in schema.get("enum", [value]), path
    elif kind == "array":
        assert isinstance(value, list), path
        assert len(value) <= schema.get("maxItems", len(value)), path
        for index, item in enumerate(value):
            validate(item, schema["items"], f"{path}[{index}]")
    elif kind == "object":
        assert isinstance(value, dict), path
        properties = schema["properties"]
        assert set(value) <= set(properties), f"{path}: extra keys {set(value) - set(properties)}"
        assert set(schema.get("required", [])) <= set(value), path
        for key, item in value.items():
            validate(item, properties[key], f"{path}.{key}")


@pytest.mark.parametrize("required_nullable", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_constrained_output_parses_and_validates(backend: HFTextGenerator, seed: int, required_nullable: bool) -> None:
    schema = invoice_json_schema(required_nullable=required_nullable)
    request = GenerationRequest(messages=MESSAGES, json_schema=schema, max_new_tokens=120, temperature=1.0, seed=seed)
    result = backend.generate(request)
    validate(json.loads(result.text), schema)  # strict json.loads: no raw control characters
    assert result.prompt_tokens > 10
    assert result.tokens and result.tokens[0].start == 0 and result.tokens[-1].end <= len(result.text)
    assert result.timings.prefill_s > 0 and result.timings.grammar_s > 0


def test_greedy_is_deterministic_and_forced_tokens_have_zero_logprob(backend: HFTextGenerator) -> None:
    request = GenerationRequest(
        messages=MESSAGES, json_schema=invoice_json_schema(required_nullable=True), max_new_tokens=60
    )
    first, second = backend.generate(request), backend.generate(request)
    assert first.text == second.text
    forced = [t for t in first.tokens if t.forced]
    assert forced, "the keys of a required-nullable schema are forced"
    assert all(t.logprob == 0.0 for t in forced)
    assert all(t.logprob <= 0.0 for t in first.tokens)
    # Offsets tile the text (the closing of a cut document comes after the last token).
    assert "".join(t.text for t in first.tokens) == first.text[: first.tokens[-1].end]


@pytest.mark.parametrize("max_new_tokens", [1, 3, 7, 20])
def test_cut_output_is_closed_validly(backend: HFTextGenerator, max_new_tokens: int) -> None:
    schema = invoice_json_schema(required_nullable=True)
    request = GenerationRequest(messages=MESSAGES, json_schema=schema, max_new_tokens=max_new_tokens)
    result = backend.generate(request)
    assert result.finish_reason == "length"
    assert result.truncated_at is not None and result.truncated_at <= len(result.text)
    assert len(result.tokens) <= max_new_tokens
    validate(json.loads(result.text), schema)


def test_unconstrained_generation_and_stream_agree(backend: HFTextGenerator) -> None:
    request = GenerationRequest(messages=MESSAGES, max_new_tokens=12)
    result = backend.generate(request)
    assert result.finish_reason == "length" and len(result.tokens) == 12
    assert "".join(backend.stream(request)) == result.text


def test_stream_of_constrained_output_is_json(backend: HFTextGenerator) -> None:
    request = GenerationRequest(messages=MESSAGES, json_schema=invoice_json_schema(), max_new_tokens=80)
    pieces = list(backend.stream(request))
    assert len(pieces) > 1
    assert "".join(pieces) == backend.generate(request).text


def test_unknown_adapter_and_bad_schema(backend: HFTextGenerator) -> None:
    with pytest.raises(NotFoundError) as info:
        backend.generate(GenerationRequest(messages=MESSAGES, adapter="missing"))
    assert info.value.reason == "ADAPTER_NOT_FOUND"
    with pytest.raises(InvalidArgumentError) as bad:
        backend.generate(GenerationRequest(messages=MESSAGES, json_schema={"type": "no-such-type"}))
    assert bad.value.reason == "INVALID_JSON_SCHEMA"


def test_prompt_longer_than_context_is_refused(backend: HFTextGenerator) -> None:
    long = [{"role": "user", "content": "word " * 9000}]
    with pytest.raises(ResourceExhaustedError) as info:
        backend.generate(GenerationRequest(messages=long, max_new_tokens=10))
    assert info.value.reason == "PROMPT_TOO_LONG"


def test_adapters_load_switch_hot_swap_unload(tiny_dir: Path, tmp_path: Path) -> None:
    backend = create_backend("hf", model_dir=tiny_dir, device="cpu", dtype="float32")
    assert isinstance(backend, HFTextGenerator)
    request = GenerationRequest(messages=MESSAGES, max_new_tokens=8)
    base = backend.generate(request).text
    first = make_adapter(tiny_dir, tmp_path / "a", seed=1)
    second = make_adapter(tiny_dir, tmp_path / "b", seed=2)

    backend.load_adapter("brand-a", first)
    backend.load_adapter("brand-b", second)
    assert backend.adapters() == ["brand-a", "brand-b"]
    with_a = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-a"))
    with_b = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-b"))
    assert with_a.adapter == "brand-a"
    assert len({base, with_a.text, with_b.text}) == 3
    # Switching back and forth gives the same answers: no state leaks between requests.
    assert backend.generate(request).text == base
    assert (
        backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-a")).text == with_a.text
    )

    # Hot swap: a new version under a taken name replaces it, the other adapter is untouched.
    backend.load_adapter("brand-a", second)
    assert backend.adapters() == ["brand-a", "brand-b"]
    swapped = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-a"))
    assert swapped.text == with_b.text
    assert backend.adapter_load_s["brand-a"] < backend.load_s
    assert backend.switch_adapter_s("brand-b") < 0.5

    # A new version of another shape (rank 8) is injected beside the old one, then replaces it.
    backend.load_adapter("brand-a", make_adapter(tiny_dir, tmp_path / "c", seed=3, rank=8))
    reshaped = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-a"))
    assert reshaped.text not in {with_b.text, base}
    assert (
        backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-b")).text == with_b.text
    )

    backend.unload_adapter("brand-a")
    assert backend.adapters() == ["brand-b"]
    with pytest.raises(NotFoundError):
        backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=8, adapter="brand-a"))
    with pytest.raises(NotFoundError):
        backend.unload_adapter("brand-a")
    backend.unload_adapter("brand-b")
    assert backend.generate(request).text == base


def test_bad_adapters_are_refused(backend: HFTextGenerator, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as missing:
        backend.load_adapter("x", tmp_path / "nothing-here")
    assert missing.value.reason == "ADAPTER_NOT_FOUND"
    with pytest.raises(InvalidArgumentError) as name:
        backend.load_adapter("bad name/..", tmp_path)
    assert name.value.reason == "INVALID_ADAPTER_NAME"
    assert backend.adapters() == []
