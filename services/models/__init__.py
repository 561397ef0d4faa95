"""The model runtime: base model cache, text generator backends, adapters, constrained decoding.

Importing this package is cheap; torch, transformers and xgrammar load with the "hf" backend.
"""

from __future__ import annotations

from docai.services.models.backend import (
    FinishReason,
    GenerationRequest,
    GenerationResult,
    GenerationTimings,
    TextGenerator,
    TokenInfo,
)
from docai.services.models.base_model import ensure_base_model
from docai.services.models.engines import (
    available_backends,
    create_backend,
    register_backend,
    unregister_backend,
)
from docai.services.models.fake_backend import FakeTextGenerator

__all__ = [
    "FakeTextGenerator",
    "FinishReason",
    "GenerationRequest",
    "GenerationResult",
    "GenerationTimings",
    "TextGenerator",
    "TokenInfo",
    "available_backends",
    "create_backend",
    "ensure_base_model",
    "register_backend",
    "unregister_backend",
]
