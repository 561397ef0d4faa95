"""The seam between services and language models: requests, results and the TextGenerator protocol.

Extraction and generation talk to a model only through :class:`TextGenerator`. The
in-process Hugging Face backend, a vLLM (OpenAI-compatible) client and the
:class:`~docai.services.models.fake_backend.FakeTextGenerator` of the tests all implement it;
:func:`~docai.services.models.engines.create_backend` builds one by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from docai.services.models.lanes import LANES, PIPELINE, Lane

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """One chat completion.

    Attributes:
        messages: Chat turns, ``{"role": "system" | "user" | "assistant", "content": ...}``.
        adapter: Name of a loaded LoRA adapter; ``None`` runs the base model.
        max_new_tokens: Upper bound on generated tokens.
        json_schema: When given, decoding is constrained so the text is one JSON document
            valid against this schema (``additionalProperties`` false is enforced strictly).
        temperature: 0 is greedy (deterministic); above 0 samples.
        seed: Seed of the sampler when ``temperature`` > 0, for reproducible samples.
        guard: For free text: returns the spans of a text that must not be generated; the
            in-process backend rewinds and re-decodes them (:mod:`.guarded`). Backends that
            cannot (vLLM) ignore it, so callers still check the final text.
        lane: Who waits for the answer (:mod:`.lanes`): ``"interactive"`` for a person reading
            the text as it is written (a seller's streamed description), which the in-process
            engines serve first and hand the engine to between two forward passes of other work;
            ``"pipeline"`` (the default) for work nobody watches token by token (invoices,
            batches, gates).
    """

    messages: list[dict[str, str]]
    adapter: str | None = None
    max_new_tokens: int = 512
    json_schema: dict[str, Any] | None = None
    temperature: float = 0.0
    seed: int | None = None
    guard: Callable[[str], Sequence[tuple[int, int]]] | None = None
    lane: Lane = PIPELINE

    def __post_init__(self) -> None:
        if self.lane not in LANES:
            raise ValueError(f"lane must be one of {', '.join(LANES)}")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")
        if self.temperature < 0:
            raise ValueError("temperature must not be negative")
        if not self.messages:
            raise ValueError("messages must not be empty")
        if self.guard is not None and self.json_schema is not None:
            raise ValueError("a guard applies to free text, not to schema-constrained JSON")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One generated token.

    Attributes:
        text: The token's text (may be empty when it holds only part of a UTF-8 character).
        logprob: Natural-log probability the model gave the token, among the tokens the
            grammar allowed; 0.0 for tokens the grammar forced (no choice was made).
        start: Offset of the token's first character in ``GenerationResult.text``.
        end: Offset one past its last character.
        forced: Whether the grammar forced the token (jump-forward) instead of the model choosing it.
    """

    text: str
    logprob: float
    start: int
    end: int
    forced: bool = False


@dataclass(frozen=True, slots=True)
class GenerationTimings:
    """Where the time of one generation went, in seconds.

    Attributes:
        prefill_s: The forward pass over the prompt.
        decode_s: Everything after the prompt: forward passes, sampling and the grammar.
        grammar_s: The part of ``decode_s`` spent in the grammar (masks, matching, jump-forward).
    """

    prefill_s: float = 0.0
    decode_s: float = 0.0
    grammar_s: float = 0.0


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """The outcome of one :class:`GenerationRequest`.

    Attributes:
        text: The generated text, without the end-of-sequence token.
        tokens: One entry per generated token, with offsets into ``text``.
        prompt_tokens: Length of the tokenised prompt.
        timings: Prefill, decode and grammar time.
        tokens_per_s: Generated tokens (forced ones included) per second of decode time.
        finish_reason: ``"stop"`` (end of sequence or grammar complete) or ``"length"``
            (``max_new_tokens`` reached).
        truncated_at: When a schema-constrained output hit ``max_new_tokens``, it is closed
            with the shortest valid JSON completion and this is the offset in ``text`` where
            that synthetic completion starts: the value just before it is probably cut
            short. ``None`` otherwise.
        model: The model name, and ``adapter`` the adapter that produced the text.
    """

    text: str
    tokens: list[TokenInfo] = field(default_factory=list)
    prompt_tokens: int = 0
    timings: GenerationTimings = field(default_factory=GenerationTimings)
    tokens_per_s: float = 0.0
    finish_reason: FinishReason = "stop"
    truncated_at: int | None = None
    model: str = ""
    adapter: str | None = None


@runtime_checkable
class TextGenerator(Protocol):
    """A chat model that can wear LoRA adapters, chosen per request.

    Implementations are thread-safe. Methods are synchronous: async callers run them with
    ``asyncio.to_thread`` (the in-process backend is CPU-bound anyway).
    """

    model_name: str

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Run one request to completion.

        Raises:
            NotFoundError: ``request.adapter`` is not loaded (reason ``ADAPTER_NOT_FOUND``).
        """
        ...

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Run one request, yielding text pieces as they are decoded (joined: ``generate().text``)."""
        ...

    def load_adapter(self, name: str, path: Path) -> None:
        """Load (or replace, when ``name`` is taken) a PEFT LoRA adapter directory under ``name``."""
        ...

    def unload_adapter(self, name: str) -> None:
        """Forget adapter ``name``; raises ``NotFoundError`` when it is not loaded."""
        ...

    def adapters(self) -> list[str]:
        """Names of the loaded adapters, sorted."""
        ...
