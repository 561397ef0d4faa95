"""A real SFT step on a tiny Llama: LoRA weights move, base weights do not; cancel stops before saving."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from docai.schemas.tuning import TuningSpec
from docai.services.adapters.registry import validate_adapter_dir
from docai.services.models.tiny import make_tiny_model
from docai.training.trainer import Progress, TrainingCancelled, train_adapter

ROWS = [
    {
        "prompt": [
            {"role": "system", "content": "Read invoices."},
            {"role": "user", "content": f"Invoice RE-{i} total {i}.00"},
        ],
        "completion": [{"role": "assistant", "content": f'{{"invoice_number":"RE-{i}","total_gross":"{i}.00"}}'}],
    }
    for i in range(8)
]
SPEC = TuningSpec(
    method="lora",
    max_steps=2,
    batch_size=2,
    max_length=256,
    lora_r=4,
    lora_alpha=8,
    learning_rate=1e-2,
    logging_steps=1,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def test_sft_step_changes_lora_weights_only(tiny: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    base_before = {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(tiny).state_dict().items()}
    seen: list[Progress] = []
    result = train_adapter(
        SPEC, train=ROWS, model_dir=tiny, out_dir=tmp_path / "adapter", on_progress=seen.append, device="cpu"
    )
    assert result.method == "lora" and result.steps == 2 and result.tokens_per_s > 0
    assert [p.step for p in seen] == [1, 2] and seen[-1].eta_s == 0.0
    config = validate_adapter_dir(tmp_path / "adapter", base_model=tiny.name)
    assert config["base_model_name_or_path"] == tiny.name
    weights = load_file(str(tmp_path / "adapter" / "adapter_model.safetensors"))
    lora_b = [v for k, v in weights.items() if "lora_B" in k]
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b), "LoRA B starts at zero and must have moved"
    base_after = AutoModelForCausalLM.from_pretrained(tiny).state_dict()
    assert all(torch.equal(base_before[k], base_after[k]) for k in base_before)
    assert result.trainable_params < sum(v.numel() for v in base_before.values()) / 10


def test_cancel_stops_the_run_and_saves_nothing(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingCancelled, match="step 1"):
        train_adapter(
            SPEC, train=ROWS, model_dir=tiny, out_dir=tmp_path / "adapter", should_stop=lambda: True, device="cpu"
        )
    assert not (tmp_path / "adapter").exists()


def test_no_examples_is_an_error(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no training examples"):
        train_adapter(SPEC, train=[], model_dir=tiny, out_dir=tmp_path / "a")


def test_training_continues_an_existing_adapter(tiny: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    train_adapter(SPEC, train=ROWS, model_dir=tiny, out_dir=first, device="cpu")
    # A different rank in the spec: continuing keeps the adapter's own LoRA setup.
    continued = SPEC.model_copy(update={"lora_r": 2, "lora_alpha": 4, "init_adapter": str(first)})
    train_adapter(continued, train=ROWS[:2], model_dir=tiny, out_dir=tmp_path / "second", device="cpu")
    before = load_file(str(first / "adapter_model.safetensors"))
    after = load_file(str(tmp_path / "second" / "adapter_model.safetensors"))
    assert before.keys() == after.keys()
    assert all(before[k].shape == after[k].shape for k in before)
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_top_layers_only(tiny: Path, tmp_path: Path) -> None:
    from transformers import AutoConfig

    layers = AutoConfig.from_pretrained(tiny).num_hidden_layers
    spec = SPEC.model_copy(update={"lora_layers": 1})
    train_adapter(spec, train=ROWS, model_dir=tiny, out_dir=tmp_path / "top", device="cpu")
    keys = load_file(str(tmp_path / "top" / "adapter_model.safetensors")).keys()
    assert keys and all(f"layers.{layers - 1}." in k for k in keys)
