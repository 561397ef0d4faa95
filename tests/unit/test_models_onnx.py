"""The ONNX Runtime backend on a tiny random model: export, LoRA inputs, parity with the hf backend."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from docai.services.common.errors import InvalidArgumentError, NotFoundError, ResourceExhaustedError
from docai.services.extraction.json_schema import invoice_json_schema
from docai.services.models import GenerationRequest, available_backends, create_backend
from docai.services.models.base_model import BUNDLED_MODEL_NAME
from docai.services.models.hf_backend import HFTextGenerator
from docai.services.models.onnx_backend import OnnxTextGenerator
from docai.services.models.onnx_export import MANIFEST, ensure_onnx_model, is_exported, onnx_model_dir
from docai.services.models.tiny import make_tiny_model

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Invoice INV-2024-001 from ACME GmbH, total 119.00 EUR"}]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tokenizer_from = None
    for converted in (REPO / "var" / "models" / BUNDLED_MODEL_NAME, REPO / ".cache" / "models" / BUNDLED_MODEL_NAME):
        if (converted / "tokenizer.json").is_file():
            tokenizer_from = converted
            break
    # 3 layers, so an adapter can target some layers and not others.
    return make_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer_from=tokenizer_from, num_layers=3)


@pytest.fixture(scope="module")
def adapters(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random LoRA adapters (init_lora_weights=False, so they change the outputs) of three shapes."""
    out = tmp_path_factory.mktemp("adapters")
    return {
        # part of the packed q/k/v projection only
        "qv": make_adapter(tiny_dir, out / "qv", seed=1, modules=["q_proj", "v_proj"], rank=4),
        # every projection, one layer only, another rank, rsLoRA scaling
        "all": make_adapter(tiny_dir, out / "all", seed=2, modules="all", rank=8, layers=[1], rslora=True),
        "mlp": make_adapter(tiny_dir, out / "mlp", seed=3, modules=["gate_proj", "down_proj"], rank=2),
    }


def make_adapter(
    model_dir: Path,
    out: Path,
    *,
    seed: int,
    modules: list[str] | str,
    rank: int,
    layers: list[int] | None = None,
    rslora: bool = False,
) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    targets = (
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] if modules == "all" else modules
    )
    config = LoraConfig(
        r=rank,
        lora_alpha=16,
        target_modules=targets,
        init_lora_weights=False,
        layers_to_transform=layers,
        use_rslora=rslora,
    )
    peft_model = get_peft_model(model, config)
    with torch.no_grad():  # random weights big enough to move a tiny model's greedy choices
        for name, param in peft_model.named_parameters():
            if "lora_" in name:
                param.normal_(0.0, 0.3)
    peft_model.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx(tiny_dir: Path, cache: Path, adapters: dict[str, Path]) -> OnnxTextGenerator:
    return OnnxTextGenerator.load(tiny_dir, cache_dir=cache, precision="fp32", threads=1, adapters=adapters)


@pytest.fixture(scope="module")
def hf(tiny_dir: Path, adapters: dict[str, Path]) -> HFTextGenerator:
    return HFTextGenerator.load(tiny_dir, device="cpu", dtype="float32", adapters=adapters)


def _request(max_new_tokens: int = 24, **kwargs: object) -> GenerationRequest:
    return GenerationRequest(messages=MESSAGES, max_new_tokens=max_new_tokens, **kwargs)  # type: ignore[arg-type]


def test_export_is_cached_and_has_lora_inputs(onnx: OnnxTextGenerator, tiny_dir: Path, cache: Path) -> None:
    directory = onnx_model_dir(tiny_dir, cache_dir=cache, precision="fp32")
    assert onnx.onnx_dir == directory and is_exported(directory)
    manifest = json.loads((directory / MANIFEST).read_text())
    projections = {branch["proj"] for branch in manifest["branches"].values()}
    assert {"o_proj", "gate_proj", "up_proj", "down_proj"} <= projections
    assert "qkv_proj" in projections or {"q_proj", "k_proj", "v_proj"} <= projections
    assert {branch["layer"] for branch in manifest["branches"].values()} == {0, 1, 2}
    started = time.perf_counter()
    assert ensure_onnx_model(tiny_dir, cache_dir=cache, precision="fp32") == directory
    assert time.perf_counter() - started < 1.0  # the marker matches: no second export


@pytest.mark.parametrize("adapter", [None, "qv", "all", "mlp"])
def test_greedy_output_matches_hf(onnx: OnnxTextGenerator, hf: HFTextGenerator, adapter: str | None) -> None:
    request = _request(adapter=adapter)
    mine, theirs = onnx.generate(request), hf.generate(request)
    assert [t.text for t in mine.tokens] == [t.text for t in theirs.tokens]
    assert mine.text == theirs.text
    for a, b in zip(mine.tokens, theirs.tokens, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=2e-3)
    assert mine.prompt_tokens == theirs.prompt_tokens and mine.adapter == adapter


def test_adapters_change_the_output(onnx: OnnxTextGenerator) -> None:
    texts = {name: onnx.generate(_request(adapter=name)).text for name in (None, "qv", "all", "mlp")}
    assert len(set(texts.values())) == 4, texts


@pytest.mark.parametrize("adapter", [None, "all"])
def test_constrained_json_matches_hf_and_parses(
    onnx: OnnxTextGenerator, hf: HFTextGenerator, adapter: str | None
) -> None:
    request = GenerationRequest(
        messages=MESSAGES, adapter=adapter, max_new_tokens=120, json_schema=invoice_json_schema()
    )
    mine, theirs = onnx.generate(request), hf.generate(request)
    assert mine.text == theirs.text
    json.loads(mine.text)
    assert any(t.forced for t in mine.tokens)  # jump-forward fed forced text in one pass


def test_guarded_decoding_matches_hf(onnx: OnnxTextGenerator, hf: HFTextGenerator) -> None:
    plain = onnx.generate(_request(adapter="qv", max_new_tokens=40))
    words = [w for w in plain.text.split() if len(w) > 1]
    if not words:
        pytest.skip("the tiny model wrote no word to ban")
    banned = words[0]

    def guard(text: str) -> list[tuple[int, int]]:
        spans, start = [], text.find(banned)
        while start >= 0:
            spans.append((start, start + len(banned)))
            start = text.find(banned, start + 1)
        return spans

    request = _request(adapter="qv", max_new_tokens=40, guard=guard)
    mine, theirs = onnx.generate(request), hf.generate(request)
    assert mine.text == theirs.text
    assert banned not in mine.text or mine.text != plain.text


def test_stream_joins_to_generate(onnx: OnnxTextGenerator) -> None:
    for request in (_request(adapter="all"), _request(json_schema=invoice_json_schema(), max_new_tokens=60)):
        pieces = list(onnx.stream(request))
        assert "".join(pieces) == onnx.generate(request).text


def test_sampling_with_a_seed_is_reproducible(onnx: OnnxTextGenerator, hf: HFTextGenerator) -> None:
    request = _request(adapter="mlp", temperature=0.8, seed=7)
    assert onnx.generate(request).text == onnx.generate(request).text == hf.generate(request).text


def test_hot_swap_and_unload(tiny_dir: Path, cache: Path, adapters: dict[str, Path], hf: HFTextGenerator) -> None:
    backend = OnnxTextGenerator.load(tiny_dir, cache_dir=cache, precision="fp32", threads=1)
    assert backend.adapters() == []
    backend.load_adapter("champion", adapters["qv"])
    first = backend.generate(_request(adapter="champion")).text
    assert first == hf.generate(_request(adapter="qv")).text
    backend.load_adapter("champion", adapters["mlp"])  # promotion: same name, new weights, no restart
    assert backend.generate(_request(adapter="champion")).text == hf.generate(_request(adapter="mlp")).text
    assert backend.switch_adapter_s("champion") < 0.5
    backend.unload_adapter("champion")
    assert backend.adapters() == []
    with pytest.raises(NotFoundError, match="not loaded"):
        backend.generate(_request(adapter="champion"))
    with pytest.raises(NotFoundError, match="not loaded"):
        backend.unload_adapter("champion")


def test_bad_adapters_are_refused(onnx: OnnxTextGenerator, adapters: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no adapter"):
        onnx.load_adapter("x", tmp_path / "missing")
    with pytest.raises(InvalidArgumentError, match="invalid adapter name"):
        onnx.load_adapter("../x", adapters["qv"])
    dora = tmp_path / "dora"
    dora.mkdir()
    config = json.loads((adapters["qv"] / "adapter_config.json").read_text())
    (dora / "adapter_config.json").write_text(json.dumps(config | {"use_dora": True}))
    (dora / "adapter_model.safetensors").write_bytes((adapters["qv"] / "adapter_model.safetensors").read_bytes())
    with pytest.raises(InvalidArgumentError, match="use_dora") as raised:
        onnx.load_adapter("dora", dora)
    assert raised.value.reason == "INVALID_ADAPTER"
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "adapter_config.json").write_text(json.dumps(config))
    import numpy as np
    from safetensors.numpy import save_file

    save_file(
        {
            "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight": np.zeros((4, 64), np.float32),
            "base_model.model.model.layers.7.self_attn.q_proj.lora_B.weight": np.zeros((64, 4), np.float32),
        },
        str(wrong / "adapter_model.safetensors"),
    )
    with pytest.raises(InvalidArgumentError, match="does not have"):
        onnx.load_adapter("wrong", wrong)
    assert "wrong" not in onnx.adapters() and "dora" not in onnx.adapters()


def test_unknown_adapter_bad_schema_and_long_prompt(onnx: OnnxTextGenerator) -> None:
    with pytest.raises(NotFoundError, match="not loaded"):
        onnx.generate(_request(adapter="nope"))
    with pytest.raises(InvalidArgumentError, match="cannot be compiled"):
        onnx.generate(_request(json_schema={"type": "no-such-type"}))
    with pytest.raises(ResourceExhaustedError, match="context"):
        onnx.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=10_000))


def test_concurrent_requests_are_safe(onnx: OnnxTextGenerator) -> None:
    requests = [_request(adapter=name) for name in (None, "qv", "all", "mlp")] * 2
    expected = [onnx.generate(r).text for r in requests]
    results: list[str | None] = [None] * len(requests)

    def work(index: int) -> None:
        results[index] = onnx.generate(requests[index]).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_registry_builds_the_onnx_backend(tiny_dir: Path, cache: Path) -> None:
    assert "onnx" in available_backends()
    backend = create_backend("onnx", model_dir=tiny_dir, cache_dir=cache, precision="fp32", threads=1)
    assert (
        backend.generate(_request()).text
        == OnnxTextGenerator.load(tiny_dir, cache_dir=cache, precision="fp32", threads=1).generate(_request()).text
    )


def test_unknown_precision_is_refused(tiny_dir: Path, cache: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="precision"):
        ensure_onnx_model(tiny_dir, cache_dir=cache, precision="int3")
