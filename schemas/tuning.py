"""The configuration of one fine-tuning run, mirroring TRL's SFTConfig, PEFT's LoraConfig and bitsandbytes.

Grouped like TRL's ``SFTConfig`` docstring: model, data, LoRA, quantization, training.
Defaults are overridden where docai's task needs it (short runs, a small model, loss on the
answer only); ``docai.training.spec`` turns a spec into the library objects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TuningMethod = Literal["auto", "qlora", "lora", "full"]


class JobState(StrEnum):
    """A tuning job's state, as stored in ``tuning_jobs.state`` (the database refuses any other).

    PENDING → RUNNING → SUCCEEDED, FAILED or CANCELLED. Defined here, not beside the job records
    (``docai.services.tuning.jobs``, which re-exports it), because the storage models need it
    and the job records need the storage models.
    """

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class TuningSpec(BaseModel):
    """One SFT run of an adapter.

    Attributes (model):
        base_model: Hugging Face model directory; empty = the bundled SmolLM2-135M-Instruct.
        task: Adapter task, the registry's first path level (``extraction``).

    Attributes (data):
        max_length: Prompt plus completion, in tokens; longer examples are truncated.
        min_examples: Fewer training examples than this fail with DATASET_TOO_SMALL.

    Attributes (LoRA):
        lora_r: Rank of the LoRA matrices.
        lora_alpha: Scaling numerator (scale = alpha / r).
        lora_dropout: Dropout on the LoRA input.
        target_modules: Module names that get adapters: the attention projections by
            default (a few MB of weights for a 135M model).
        lora_layers: Adapt only the top this many transformer layers (0: all). Backpropagation
            stops at the lowest adapted layer, so a step costs much less on a CPU.
        init_adapter: A PEFT adapter directory to continue training (its LoRA setup wins over
            the fields above); empty starts a new adapter.

    Attributes (quantization):
        method: ``qlora`` (4-bit NF4 base, double quantisation, bf16 compute; CUDA),
            ``lora`` (full-precision base), ``full`` (every weight trains; benchmarks
            only, it produces no adapter) or ``auto``: qlora on CUDA, lora on CPU, where
            the measured speeds were within noise (see ``docai.training.spec.resolve_method``).

    Attributes (training):
        epochs: Passes over the data when ``max_steps`` is 0.
        max_steps: Optimiser steps; overrides ``epochs`` when above 0.
        learning_rate: Peak learning rate (LoRA tolerates ~10x a full fine-tune's).
        batch_size: Examples per device step.
        gradient_accumulation_steps: Steps per optimiser update.
        warmup_ratio: Share of the steps spent warming the learning rate up.
        seed: Seed of data order, initialisation and dropout.
        logging_steps: Report progress every this many optimiser steps.
        gradient_checkpointing: Trade compute for memory (worth it on long prompts).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_model: str = ""
    task: str = Field("extraction", pattern=r"^[a-z][a-z0-9_-]{0,62}$")

    max_length: int = Field(3072, ge=64)
    min_examples: int = Field(8, ge=1)

    lora_r: int = Field(16, ge=1, le=256)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    lora_layers: int = Field(0, ge=0)
    init_adapter: str = ""

    method: TuningMethod = "auto"

    epochs: float = Field(1.0, gt=0)
    max_steps: int = Field(0, ge=0)
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(4, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    warmup_ratio: float = Field(0.05, ge=0.0, lt=1.0)
    seed: int = 0
    logging_steps: int = Field(1, ge=1)
    gradient_checkpointing: bool = False
