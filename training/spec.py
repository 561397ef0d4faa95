"""Tiny pure converters from a :class:`~docai.schemas.tuning.TuningSpec` to TRL / PEFT / bitsandbytes objects.

Each converter is a few lines and unit-tested; the trainer only wires their results together.
The heavy libraries are imported inside the functions so that reading a spec costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from docai.schemas.tuning import TuningSpec

if TYPE_CHECKING:
    from peft import LoraConfig
    from transformers import BitsAndBytesConfig
    from trl import SFTConfig

__all__ = ["resolve_method", "to_lora_config", "to_quantization_config", "to_sft_config"]

Method = Literal["qlora", "lora", "full"]


def resolve_method(spec: TuningSpec, *, cuda: bool) -> Method:
    """The method a run really uses: ``auto`` becomes qlora on CUDA and lora on CPU.

    CPU runs use plain LoRA: on the shared 2-core CPU (``python -m docai.training.bench.learning cost``,
    2 steps, batch 1, ~1.7k-token examples) LoRA gave 13 tokens/s and 9.0 GB peak, QLoRA
    19 tokens/s and 8.0 GB, full fine-tuning 20 tokens/s and 7.2 GB: under that machine's
    load the differences are within noise (LoRA ran first, cold), the memory is dominated by
    the 49k-vocabulary logits, and LoRA avoids the 4-bit rounding error of the base weights
    and bitsandbytes' slow CPU fallback path.

    Args:
        spec: The run's spec.
        cuda: Whether a CUDA device is available.

    Returns:
        ``"qlora"``, ``"lora"`` or ``"full"`` (an explicit ``qlora`` on CPU uses
        bitsandbytes' CPU 4-bit kernels).
    """
    if spec.method == "auto":
        return "qlora" if cuda else "lora"
    return spec.method


def to_lora_config(spec: TuningSpec, *, num_layers: int = 0) -> LoraConfig:
    """PEFT LoraConfig for a causal LM with the spec's rank, alpha, dropout and target modules.

    Args:
        spec: The run's spec.
        num_layers: The model's transformer layers; needed when ``spec.lora_layers`` is set.

    Example:
        >>> to_lora_config(TuningSpec(lora_r=8)).r
        8
        >>> to_lora_config(TuningSpec(lora_layers=2), num_layers=30).layers_to_transform
        [28, 29]
    """
    from peft import LoraConfig

    top: dict[str, Any] = {}  # LoraConfig keywords of several types
    if spec.lora_layers and num_layers:
        first = max(0, num_layers - spec.lora_layers)
        top = {"layers_to_transform": list(range(first, num_layers)), "layers_pattern": "layers"}
    return LoraConfig(
        r=spec.lora_r,
        lora_alpha=spec.lora_alpha,
        lora_dropout=spec.lora_dropout,
        target_modules=list(spec.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
        **top,
    )


def to_quantization_config(spec: TuningSpec, *, cuda: bool) -> BitsAndBytesConfig | None:
    """The 4-bit NF4 BitsAndBytesConfig of QLoRA (double quantisation, bf16 compute), else None.

    Example:
        >>> to_quantization_config(TuningSpec(method="lora"), cuda=True) is None
        True
    """
    if resolve_method(spec, cuda=cuda) != "qlora":
        return None
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def to_sft_config(spec: TuningSpec, *, output_dir: Path, cuda: bool) -> SFTConfig:
    """TRL SFTConfig: loss on the completion only, fixed seeds, no checkpoints, no hub, no tqdm.

    Args:
        spec: The run's spec.
        output_dir: Scratch directory of the trainer (the adapter is saved separately).
        cuda: Whether to train on CUDA (bf16) or on the CPU (float32).

    Returns:
        The config.

    Example:
        >>> to_sft_config(TuningSpec(max_steps=5), output_dir=Path("/tmp/x"), cuda=False).max_steps
        5
    """
    from trl import SFTConfig

    # On a CPU the examples of a batch go through one at a time, accumulated into the same
    # optimiser step: the float32 logits over a 49k vocabulary of four 3k-token invoices alone
    # take ~2.4 GB, and with their gradients and activations a batch of four outgrew 24 GB.
    micro_batch = spec.batch_size if cuda else 1
    accumulation = spec.gradient_accumulation_steps * (1 if cuda else spec.batch_size)
    return SFTConfig(
        output_dir=str(output_dir),
        max_length=spec.max_length,
        completion_only_loss=True,
        packing=False,
        num_train_epochs=spec.epochs,
        max_steps=spec.max_steps or -1,
        learning_rate=spec.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=spec.warmup_ratio,  # below 1 transformers reads it as a ratio
        per_device_train_batch_size=micro_batch,
        gradient_accumulation_steps=accumulation,
        gradient_checkpointing=spec.gradient_checkpointing,
        seed=spec.seed,
        data_seed=spec.seed,
        logging_steps=spec.logging_steps,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        bf16=cuda,
        use_cpu=not cuda,
        optim="adamw_torch",
        dataloader_num_workers=0,
    )
