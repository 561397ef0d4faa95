"""The TuningSpec converters: small pure functions from a spec to TRL / PEFT / bitsandbytes objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from docai.schemas.tuning import TuningSpec
from docai.training.spec import resolve_method, to_lora_config, to_quantization_config, to_sft_config


def test_auto_method_is_qlora_on_cuda_and_lora_on_cpu() -> None:
    assert resolve_method(TuningSpec(), cuda=True) == "qlora"
    assert resolve_method(TuningSpec(), cuda=False) == "lora"
    assert resolve_method(TuningSpec(method="full"), cuda=True) == "full"


def test_lora_config_targets_attention_projections() -> None:
    config = to_lora_config(TuningSpec(lora_r=8, lora_alpha=16, lora_dropout=0.1))
    assert (config.r, config.lora_alpha, config.lora_dropout) == (8, 16, 0.1)
    assert set(config.target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert config.task_type == "CAUSAL_LM"


def test_quantization_config_is_nf4_double_quant_bf16_for_qlora_only() -> None:
    import torch

    config = to_quantization_config(TuningSpec(), cuda=True)
    assert config is not None
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant and config.bnb_4bit_compute_dtype == torch.bfloat16
    assert to_quantization_config(TuningSpec(), cuda=False) is None
    assert to_quantization_config(TuningSpec(method="lora"), cuda=True) is None


def test_sft_config_trains_on_the_completion_only_with_fixed_seeds(tmp_path: Path) -> None:
    spec = TuningSpec(max_steps=7, seed=3, learning_rate=1e-4, batch_size=2, max_length=1024)
    config = to_sft_config(spec, output_dir=tmp_path, cuda=False)
    assert config.completion_only_loss is True
    assert (config.max_steps, config.seed, config.data_seed) == (7, 3, 3)
    assert (config.max_length, config.learning_rate) == (1024, 1e-4)
    assert config.use_cpu and not config.bf16
    assert config.save_strategy == "no"


def test_a_cpu_batch_goes_through_one_example_at_a_time_into_the_same_step(tmp_path: Path) -> None:
    spec = TuningSpec(batch_size=4, gradient_accumulation_steps=2)
    cpu = to_sft_config(spec, output_dir=tmp_path, cuda=False)
    assert (cpu.per_device_train_batch_size, cpu.gradient_accumulation_steps) == (1, 8)


def test_zero_max_steps_means_epochs(tmp_path: Path) -> None:
    assert to_sft_config(TuningSpec(epochs=2), output_dir=tmp_path, cuda=False).max_steps == -1


def test_spec_rejects_unknown_fields_and_bad_values() -> None:
    with pytest.raises(ValidationError, match="extra"):
        TuningSpec(rank=8)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="lora_r"):
        TuningSpec(lora_r=0)
