"""The in-process backend: a transformers causal LM with LoRA adapters switched per request.

Adapters are injected into the one base model with PEFT's functional API and selected per
request (``set_adapter``), or all disabled for the base model: switching costs a walk over
the LoRA layers, loading one costs reading a few MB; the base model is never reloaded. One
forward pass runs at a time, handed out by a :class:`~.lanes.LaneScheduler`: a seller's
description (``interactive``) takes the engine between two passes of pipeline work, each
request keeping its own KV cache and re-enabling its adapter when it resumes; loading or
unloading an adapter waits until no request is running or paused (on a GPU host use the
vLLM backend for batching).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from docai.services.common.errors import InvalidArgumentError, NotFoundError, ResourceExhaustedError
from docai.services.common.observability import record_generation
from docai.services.models.backend import (
    GenerationRequest,
    GenerationResult,
    GenerationTimings,
    TextGenerator,
    TokenInfo,
)
from docai.services.models.decoding import (
    PREFILL_CHUNK,
    DecodeStats,
    GrammarCache,
    PausingRunner,
    Runner,
    Step,
    TorchRunner,
    decode,
)
from docai.services.models.guarded import decode_guarded
from docai.services.models.lanes import LaneScheduler

_log = logging.getLogger(__name__)
_ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")


@dataclass(frozen=True, slots=True)
class _Adapter:
    internal: str  # PEFT's name: a fresh one per injection, so a failed load never touches the old
    path: Path
    load_s: float
    shape: tuple[Any, ...]  # what must match for a new version to be copied into these tensors
    params: dict[str, torch.nn.Parameter]  # saved-file key (without base_model.model.) -> parameter


class LoopBackend:
    """What every in-process engine shares: prompts, results and streaming around one decode loop.

    Subclasses set ``model_name``, ``_tokenizer`` and ``_max_positions`` and implement
    :meth:`_run` (yield the :class:`Step` s of one request, filling ``stats``).
    """

    model_name: str
    _tokenizer: Any
    _max_positions: int
    _lock: threading.Lock  # the adapter table
    engine: LaneScheduler  # who runs the next forward pass
    prefill_chunk: int
    _adapters: dict[str, Any]  # name -> the engine's loaded adapter, which has a ``load_s``

    @property
    def adapter_load_s(self) -> dict[str, float]:
        return {name: adapter.load_s for name, adapter in self._adapters.items()}

    def adapters(self) -> list[str]:
        """Names of the loaded adapters, sorted."""
        with self._lock:
            return sorted(self._adapters)

    def _run(self, request: GenerationRequest, stats: DecodeStats) -> Iterator[Step]:
        raise NotImplementedError

    def score_text(
        self, messages: list[dict[str, str]], text: str, *, adapter: str | None = None, lane: str = "pipeline"
    ) -> list[float]:
        """Log-probability of each token of ``text`` as the assistant's answer to ``messages`` (teacher-forced).

        The scorecard's fluency check reads the base model's likelihood of a description from it
        (:mod:`docai.services.generation.fluency`). One forward pass per token, like decoding.

        Raises:
            NotFoundError: The adapter is not loaded.
            ResourceExhaustedError: Prompt plus text exceed the model's context.
        """
        prompt_ids = self._prompt_ids(messages)
        ids: list[int] = self._tokenizer(text, add_special_tokens=False)["input_ids"]
        if not ids:
            return []
        self._check_length(prompt_ids, len(ids))
        with self._scoring_runner(adapter, lane=lane, max_length=len(prompt_ids) + len(ids) + 1) as runner:
            logits = runner.prefill(prompt_ids)
            scores: list[float] = []
            for index, token in enumerate(ids):
                scores.append(float(torch.log_softmax(logits[0].float(), dim=-1)[token].item()))
                if index + 1 < len(ids):
                    logits = runner.forward([token])
            return scores

    def _scoring_runner(self, adapter: str | None, *, lane: str, max_length: int) -> Any:
        """A context manager holding the engine and yielding a fresh :class:`Runner` with ``adapter``."""
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's tokenizer (benchmarks report tokens per second from it)."""
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Run ``request`` to completion (see :class:`TextGenerator`).

        Raises:
            NotFoundError: The adapter is not loaded.
            InvalidArgumentError: The JSON schema cannot be compiled.
            ResourceExhaustedError: Prompt plus ``max_new_tokens`` exceed the model's context.
        """
        collector = _Collector(self._tokenizer)
        stats = DecodeStats()
        for step in self._run(request, stats):
            collector.add(step)
        collector.finish(stats)
        decode_s = stats.decode_s
        count = len(collector.tokens)
        record_generation(self.model_name, tokens=stats.generated_tokens or count, seconds=decode_s)
        return GenerationResult(
            text=collector.text,
            tokens=collector.tokens,
            prompt_tokens=stats.prompt_tokens,
            timings=GenerationTimings(prefill_s=stats.prefill_s, decode_s=decode_s, grammar_s=stats.grammar_s),
            tokens_per_s=count / decode_s if decode_s > 0 else 0.0,
            finish_reason="length" if stats.finish_reason == "length" else "stop",
            truncated_at=collector.truncated_at,
            model=self.model_name,
            adapter=request.adapter,
        )

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield text pieces as they are decoded (see :class:`TextGenerator`).

        A schema-constrained output cut by ``max_new_tokens`` may differ from ``generate``'s
        at its end: pieces already sent cannot be rolled back, so the closing text is
        appended to them as is. The request keeps its turn on the engine (other requests of
        its lane wait; interactive ones still get the engine between two passes of a pipeline
        request's) until the iterator is exhausted or closed: close it when the client goes away.
        """
        collector = _Collector(self._tokenizer)
        stats = DecodeStats()
        try:
            for step in self._run(request, stats):
                sent = len(collector.text)
                collector.add(step)
                if len(collector.text) > sent:
                    yield collector.text[sent:]
        finally:  # once per request, also when the client went away mid-stream
            record_generation(
                self.model_name, tokens=stats.generated_tokens or len(collector.tokens), seconds=stats.decode_s
            )
        sent = len(collector.text)
        collector.flush()
        if stats.closing_text:
            collector.text += stats.closing_text
        if len(collector.text) > sent:
            yield collector.text[sent:]

    def _prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        text = self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids: list[int] = self._tokenizer(text, add_special_tokens=False)["input_ids"]
        return ids

    def _check_length(self, prompt_ids: list[int], max_new_tokens: int) -> None:
        limit = self._max_positions
        if limit and len(prompt_ids) + max_new_tokens > limit:
            raise ResourceExhaustedError(
                f"prompt of {len(prompt_ids)} tokens plus {max_new_tokens} new tokens exceeds "
                f"the model's context of {limit}",
                reason="PROMPT_TOO_LONG",
            )


class HFTextGenerator(LoopBackend):
    """A :class:`TextGenerator` running a Hugging Face model in this process.

    Build it with :meth:`load`. Thread-safe: requests take turns on the engine by lane.

    Attributes:
        model_name: Name reported in results (the model directory's name by default).
        engine: Hands the engine to requests, interactive ones first (:mod:`.lanes`).
        load_s: Seconds :meth:`load` took to load the base model (for the swap-cost ratio).
        adapter_load_s: Seconds each loaded adapter took to load and inject, by name.
    """

    def __init__(self, model: Any, tokenizer: Any, *, model_name: str, load_s: float = 0.0) -> None:
        self.model_name = model_name
        self.load_s = load_s
        self._model = model
        self._tokenizer = tokenizer
        self._lock = threading.Lock()
        self.engine = LaneScheduler()
        self.prefill_chunk = PREFILL_CHUNK
        self._adapters: dict[str, _Adapter] = {}
        self._serial = 0
        self._active: str | None = None  # internal name of the enabled adapter, None = base
        self._tuner_layers: list[Any] = []
        self._stop_ids = _stop_token_ids(model, tokenizer)
        self._grammars = GrammarCache(tokenizer, vocab_size=int(model.config.vocab_size), stop_token_ids=self._stop_ids)
        self._max_positions = int(getattr(model.config, "max_position_embeddings", 0) or 0)

    @classmethod
    def load(
        cls,
        model_dir: Path | str,
        *,
        device: str | None = None,
        dtype: str = "auto",
        num_threads: int | None = None,
        adapters: Mapping[str, Path] | None = None,
        model_name: str | None = None,
    ) -> HFTextGenerator:
        """Load a model directory (and optionally adapters) and return a ready backend.

        Args:
            model_dir: A Hugging Face model directory, e.g. from ``ensure_base_model``.
            device: ``"cpu"``, ``"cuda"``...; ``None`` picks CUDA when available.
            dtype: ``"float32"``, ``"bfloat16"``, ``"float16"``, or ``"auto"``: bfloat16 on
                CUDA and on CPUs with native bf16 support, else float32 (the faster on each).
            num_threads: ``torch.set_num_threads`` for CPU inference (process-wide); ``None``
                leaves torch's default (one per core).
            adapters: Adapters to load at start, name to directory.
            model_name: Name reported in results; defaults to the directory name.

        Returns:
            The backend.

        Example:
            >>> backend = HFTextGenerator.load(ensure_base_model(cache_dir=cache), adapters={"invoice": path})
        """
        from transformers import AutoModelForCausalLM, AutoTokenizer

        started = time.perf_counter()
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        resolved_device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        torch_dtype = _resolve_dtype(dtype, resolved_device)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch_dtype)
        model = model.to(resolved_device).eval()  # type: ignore[arg-type]  # transformers types .to() for dtypes only
        backend = cls(
            model,
            tokenizer,
            model_name=model_name or Path(model_dir).name,
            load_s=time.perf_counter() - started,
        )
        for name, path in (adapters or {}).items():
            backend.load_adapter(name, path)
        return backend

    # -- adapters -----------------------------------------------------------------------

    def load_adapter(self, name: str, path: Path) -> None:
        """Load the PEFT LoRA adapter in ``path`` as ``name``; a loaded ``name`` is replaced.

        Reading the files happens first, so requests keep being served; the swap waits until
        no request is running or paused (the model is shared), and requests that arrive after
        this returns use the new version. A new version of a loaded adapter with the same LoRA shape (rank,
        alpha, target modules) is copied into the live tensors (milliseconds); anything else
        is injected with PEFT as a new adapter beside the old one, which is dropped only once
        the new one loaded cleanly (~0.3 s for r=16 on every projection of SmolLM2-135M).

        Args:
            name: The adapter's name in requests.
            path: A directory with ``adapter_config.json`` and ``adapter_model.safetensors``.

        Raises:
            InvalidArgumentError: Bad name, or not a LoRA adapter for this model (``INVALID_ADAPTER``).
            NotFoundError: ``path`` holds no adapter (``ADAPTER_NOT_FOUND``).
        """
        from peft import PeftConfig, PeftType

        if not _ADAPTER_NAME.match(name):
            raise InvalidArgumentError(f"invalid adapter name {name!r}", reason="INVALID_ADAPTER_NAME")
        started = time.perf_counter()
        path = Path(path)
        if not (path / "adapter_config.json").is_file():
            raise NotFoundError(f"no adapter in {path}", reason="ADAPTER_NOT_FOUND", adapter=name)
        config = PeftConfig.from_pretrained(str(path))
        if config.peft_type != PeftType.LORA:
            raise InvalidArgumentError(
                f"adapter {name!r} is {config.peft_type}, only LoRA is served", reason="INVALID_ADAPTER"
            )
        config.inference_mode = True
        weights = _read_adapter_weights(path, device=self._model.device, dtype=self._model.dtype)
        shape = _config_shape(config)
        with self.engine.exclusive(), self._lock:
            old = self._adapters.get(name)
            if old is not None and old.shape == shape and _same_tensors(old.params, weights):
                # Hot swap of a new version: copy into the live tensors, no PEFT injection
                # (which walks every module and costs ~0.3 s on a 30-layer model).
                with torch.no_grad():
                    for key, value in weights.items():
                        old.params[key].copy_(value)
                self._adapters[name] = _Adapter(old.internal, path, time.perf_counter() - started, shape, old.params)
            else:
                self._inject(name, path, config, weights, shape, started)
        _log.info("adapter %s loaded from %s in %.3fs", name, path, time.perf_counter() - started)

    def _inject(
        self,
        name: str,
        path: Path,
        config: Any,
        weights: dict[str, torch.Tensor],
        shape: tuple[Any, ...],
        started: float,
    ) -> None:
        """Add ``weights`` as a new PEFT adapter and point ``name`` at it. Caller holds the lock."""
        from peft.functional import inject_adapter_in_model, set_peft_model_state_dict

        self._serial += 1
        internal = f"docai_{self._serial}"
        with warnings.catch_warnings():
            # PEFT warns that a model with adapters gets another one: that is the point here.
            warnings.simplefilter("ignore")
            inject_adapter_in_model(config, self._model, adapter_name=internal, low_cpu_mem_usage=True)
            result: Any = set_peft_model_state_dict(  # a named tuple peft does not type
                self._model, weights, adapter_name=internal, low_cpu_mem_usage=True
            )
        missing = [key for key in result.missing_keys if f".{internal}" in key]
        if result.unexpected_keys or missing:
            self._delete(internal)
            self._refresh_layers()
            raise InvalidArgumentError(
                f"adapter {name!r} does not fit model {self.model_name!r}",
                reason="INVALID_ADAPTER",
                adapter=name,
            )
        marker = f".{internal}"
        params = {key.replace(marker, ""): param for key, param in self._model.named_parameters() if marker in key}
        old = self._adapters.get(name)
        self._adapters[name] = _Adapter(internal, path, time.perf_counter() - started, shape, params)
        if old is not None:
            self._delete(old.internal)
        self._refresh_layers()
        # Injection leaves the new adapter's layers enabled: a base-model request (adapter None)
        # right after a load must disable them again, so the state is unknown rather than None.
        self._active = "?"

    def unload_adapter(self, name: str) -> None:
        """Forget adapter ``name``.

        Raises:
            NotFoundError: ``name`` is not loaded (``ADAPTER_NOT_FOUND``).
        """
        with self.engine.exclusive(), self._lock:
            adapter = self._adapters.pop(name, None)
            if adapter is None:
                raise NotFoundError(f"adapter {name!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=name)
            self._delete(adapter.internal)
            self._refresh_layers()

    def _delete(self, internal: str) -> None:
        from peft.functional import delete_adapter

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "adapter was active, now X is": we set it per request
            delete_adapter(self._model, adapter_name=internal, prefix="lora_")
        peft_config = getattr(self._model, "peft_config", None)
        if isinstance(peft_config, dict):
            peft_config.pop(internal, None)
        self._active = "?"  # unknown: the next request sets the state again

    def _refresh_layers(self) -> None:
        from peft.tuners.tuners_utils import BaseTunerLayer

        self._tuner_layers = [module for module in self._model.modules() if isinstance(module, BaseTunerLayer)]

    def _activate(self, adapter: str | None) -> None:
        """Enable ``adapter`` (a public name) or, for ``None``, no adapter. Caller holds the lock."""
        from peft.functional import set_adapter

        internal = None
        if adapter is not None:
            entry = self._adapters.get(adapter)
            if entry is None:
                raise NotFoundError(f"adapter {adapter!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=adapter)
            internal = entry.internal
        if internal == self._active:
            return
        if internal is None:
            for layer in self._tuner_layers:
                layer.enable_adapters(False)
        else:
            set_adapter(self._model, internal, inference_mode=True)
            for layer in self._tuner_layers:
                layer.enable_adapters(True)
        self._active = internal

    @contextmanager
    def _scoring_runner(self, adapter: str | None, *, lane: str, max_length: int) -> Iterator[Runner]:
        with self.engine.turn(lane, on_resume=lambda: self._activate(adapter)) as turn, torch.inference_mode():  # type: ignore[arg-type]
            self._activate(adapter)
            yield PausingRunner(TorchRunner(self._model), turn.checkpoint, prefill_chunk=self.prefill_chunk)

    def switch_adapter_s(self, adapter: str | None) -> float:
        """Seconds to make ``adapter`` the active one (for the swap-cost benchmark)."""
        with self.engine.exclusive():
            started = time.perf_counter()
            self._activate(adapter)
            return time.perf_counter() - started

    # -- generation -----------------------------------------------------------------------

    def _run(self, request: GenerationRequest, stats: DecodeStats) -> Iterator[Step]:
        prompt_ids = self._prompt_ids(request.messages)
        stats.prompt_tokens = len(prompt_ids)
        self._check_length(prompt_ids, request.max_new_tokens)
        grammar = self._grammars.compile(request.json_schema) if request.json_schema is not None else None
        generator = None
        if request.temperature > 0 and request.seed is not None:
            generator = torch.Generator().manual_seed(request.seed)
        with (
            self.engine.turn(request.lane, on_resume=lambda: self._activate(request.adapter)) as turn,
            torch.inference_mode(),
        ):
            self._activate(request.adapter)
            # Each request its own KV cache; another request may run between two of its passes.
            runner = PausingRunner(TorchRunner(self._model), turn.checkpoint, prefill_chunk=self.prefill_chunk)
            if request.guard is not None:
                yield from decode_guarded(
                    runner,
                    self._tokenizer,
                    prompt_ids,
                    guard=request.guard,
                    max_new_tokens=request.max_new_tokens,
                    stop_token_ids=self._stop_ids,
                    temperature=request.temperature,
                    generator=generator,
                    stats=stats,
                )
                return
            matcher = self._grammars.matcher(grammar) if grammar is not None else None
            yield from decode(
                runner,
                self._tokenizer,
                prompt_ids,
                max_new_tokens=request.max_new_tokens,
                stop_token_ids=self._stop_ids,
                matcher=matcher,
                temperature=request.temperature,
                generator=generator,
                banned_token_ids=self._grammars.banned_token_ids if matcher is not None else None,
                stats=stats,
            )


class _Collector:
    """Turns steps into text and per-token offsets, decoding incrementally (UTF-8 safe)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self.ids: list[int] = []
        self.tokens: list[TokenInfo] = []
        self.text = ""
        self.truncated_at: int | None = None
        self._prefix = 0  # first id of the window re-decoded for context
        self._read = 0  # first id not yet turned into text

    def add(self, step: Step) -> None:
        for token, logprob in zip(step.token_ids, step.logprobs, strict=True):
            self.ids.append(token)
            piece = self._next_piece()
            start = len(self.text)
            self.text += piece
            self.tokens.append(TokenInfo(piece, logprob, start, len(self.text), step.forced))

    def _next_piece(self, *, final: bool = False) -> str:
        decode = self._tokenizer.decode
        before = decode(self.ids[self._prefix : self._read], skip_special_tokens=False)
        after = decode(self.ids[self._prefix :], skip_special_tokens=False)
        if len(after) > len(before) and (final or not after.endswith("\ufffd")):
            self._prefix, self._read = self._read, len(self.ids)
            piece: str = after[len(before) :]
            return piece
        return ""

    def flush(self) -> None:
        if self._read < len(self.ids) and self.tokens:
            piece = self._next_piece(final=True)
            last = self.tokens[-1]
            self.text += piece
            self.tokens[-1] = TokenInfo(last.text + piece, last.logprob, last.start, len(self.text), last.forced)

    def finish(self, stats: DecodeStats) -> None:
        self.flush()
        if stats.finish_reason != "length" or not (stats.closing_text or stats.rolled_back_tokens):
            return
        if stats.rolled_back_tokens:
            keep = len(self.tokens) - stats.rolled_back_tokens
            self.tokens = self.tokens[:keep]
            self.text = self.text[: self.tokens[-1].end] if self.tokens else ""
        self.truncated_at = len(self.text)
        self.text += stats.closing_text


def _config_shape(config: Any) -> tuple[Any, ...]:
    def frozen(value: Any) -> Any:
        if isinstance(value, (list, set, tuple)):
            return tuple(sorted(map(str, value)))
        if isinstance(value, dict):
            return tuple(sorted((str(k), str(v)) for k, v in value.items()))
        return value

    names = (
        "r",
        "lora_alpha",
        "use_rslora",
        "use_dora",
        "target_modules",
        "rank_pattern",
        "alpha_pattern",
        "fan_in_fan_out",
        "modules_to_save",
        "layers_to_transform",
        "bias",
    )
    return tuple(frozen(getattr(config, name, None)) for name in names)


def _same_tensors(params: dict[str, torch.nn.Parameter], weights: dict[str, torch.Tensor]) -> bool:
    return params.keys() == weights.keys() and all(params[k].shape == v.shape for k, v in weights.items())


def _read_adapter_weights(path: Path, *, device: torch.device, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    file = path / "adapter_model.safetensors"
    if file.is_file():
        raw = load_file(str(file))
    else:
        raw = torch.load(path / "adapter_model.bin", map_location="cpu", weights_only=True)
    # Saved from a PeftModel the keys start with base_model.model.; we inject into the bare model.
    return {key.removeprefix("base_model.model."): value.to(device=device, dtype=dtype) for key, value in raw.items()}


def _stop_token_ids(model: Any, tokenizer: Any) -> list[int]:
    ids: set[int] = set()
    for source in (getattr(model, "generation_config", None), model.config, tokenizer):
        value = getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    return sorted(ids)


def _resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    if name != "auto":
        return getattr(torch, name)  # type: ignore[no-any-return]
    if device.type == "cuda":
        return torch.bfloat16
    return torch.bfloat16 if _cpu_has_native_bf16() else torch.float32


def _cpu_has_native_bf16() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as cpuinfo:
            flags = cpuinfo.read(65536)
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


_check: type[TextGenerator] = HFTextGenerator
