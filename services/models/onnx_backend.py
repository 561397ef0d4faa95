"""The ONNX Runtime backend: the base model exported once to ONNX, LoRA adapters fed per request.

The decoder runs in ONNX Runtime through onnxruntime-genai (``og.Model`` and one
``og.Generator`` per request, which holds that request's KV cache; the CPU execution provider
here, CUDA with ``onnxruntime-gpu``/``onnxruntime-genai-cuda`` on a GPU host). The decode loop
is the one the hf backend runs (:func:`~.decoding.decode`, :func:`~.guarded.decode_guarded`)
over a :class:`~.decoding.Runner` whose forward pass is ``append_tokens`` + ``get_logits``
and whose rewind is ``rewind_to``: the same xgrammar schemas with jump-forward (forced text
in one pass), the same guarded decoding of descriptions (rewind and re-decode, nothing is
filtered afterwards), the same sampling, hence the same greedy text for the same logits.

Adapters: :mod:`.onnx_export` gives the exported graph a LoRA branch on every projection whose
weights are overridable inputs; a PEFT directory is converted into an ONNX Runtime adapter
file (milliseconds) and loaded into ``og.Adapters``; each request's generator activates its
adapter (``set_active_adapter``), so switching is free and the base model is never reloaded.
A new version of a loaded adapter is loaded under a fresh internal name and swapped in
atomically; the old one is released when no request holds it (promotion and rollback
without a restart).

Concurrency: a lock runs one request at a time, as in the hf backend. ONNX Runtime could run
two sessions at once, but on a 2-core machine they only split the same cores; requests do not
share forward passes (onnxruntime-genai's batched generation needs one adapter and one
schedule for the whole batch, and its continuous-batching engine has no hook for the
grammar or the guard).
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from docai.services.common.errors import InvalidArgumentError, NotFoundError
from docai.services.models.backend import GenerationRequest, TextGenerator
from docai.services.models.decoding import DecodeStats, GrammarCache, Runner, Step, decode
from docai.services.models.guarded import decode_guarded
from docai.services.models.hf_backend import _ADAPTER_NAME, LoopBackend
from docai.services.models.onnx_export import convert_adapter, ensure_onnx_model, load_manifest

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Adapter:
    internal: str  # the name in og.Adapters: a fresh one per load, so a failed load never touches the old
    path: Path
    load_s: float
    rank: int


class _GenaiRunner(Runner):
    """One request's sequence in an onnxruntime-genai generator."""

    def __init__(self, generator: Any, vocab_size: int) -> None:
        self._generator = generator
        self.vocab_size = vocab_size

    def forward(self, ids: list[int]) -> torch.Tensor:
        self._generator.append_tokens(ids)
        logits = np.asarray(self._generator.get_logits(), dtype=np.float32)
        return torch.from_numpy(logits.reshape(1, -1)[:, : self.vocab_size].copy())

    def length(self) -> int:
        return int(self._generator.token_count())

    def crop(self, length: int) -> None:
        if length < self.length():
            self._generator.rewind_to(length)


class OnnxTextGenerator(LoopBackend):
    """A :class:`TextGenerator` running an ONNX export of the base model with ONNX Runtime.

    Build it with :meth:`load`. Thread-safe: requests run one at a time.

    Attributes:
        model_name: Name reported in results.
        onnx_dir: The exported model directory.
        precision: ``fp32``, ``int8`` or ``int4`` weights.
        load_s: Seconds :meth:`load` took to load the model (export excluded).
        export_s: Seconds the export took, when :meth:`load` had to export (0 when cached).
    """

    def __init__(
        self,
        onnx_dir: Path,
        tokenizer: Any,
        *,
        model_name: str,
        precision: str,
        provider: str = "cpu",
        stop_token_ids: list[int],
        max_positions: int,
        load_s: float = 0.0,
        export_s: float = 0.0,
    ) -> None:
        import onnxruntime_genai as og

        self.model_name = model_name
        self.onnx_dir = Path(onnx_dir)
        self.precision = precision
        self.load_s = load_s
        self.export_s = export_s
        self._og = og
        config = og.Config(str(onnx_dir))
        config.clear_providers()
        if provider != "cpu":
            config.append_provider(provider)
        self._model = og.Model(config)
        self._og_adapters = og.Adapters(self._model)
        self._manifest = load_manifest(self.onnx_dir)
        self._tokenizer = tokenizer
        self._stop_ids = stop_token_ids
        self._max_positions = max_positions
        genai_config = json.loads((self.onnx_dir / "genai_config.json").read_text())
        self._vocab_size = int(genai_config["model"]["vocab_size"])
        self._grammars = GrammarCache(tokenizer, vocab_size=self._vocab_size, stop_token_ids=stop_token_ids)
        self._lock = threading.Lock()
        self._adapters: dict[str, _Adapter] = {}
        self._retired: list[str] = []  # internal names still held by a running request
        self._serial = 0
        self._files = tempfile.TemporaryDirectory(prefix="docai-onnx-adapters-")

    @classmethod
    def load(
        cls,
        model_dir: Path | str,
        *,
        cache_dir: Path | str | None = None,
        precision: str = "int8",
        provider: str = "cpu",
        threads: int | None = None,
        adapters: Mapping[str, Path] | None = None,
        model_name: str | None = None,
    ) -> OnnxTextGenerator:
        """Load (exporting once if needed) the ONNX model of a Hugging Face model directory.

        Args:
            model_dir: The Hugging Face model directory (``ensure_base_model``'s result): its
                tokenizer and chat template are used as they are, so prompts match the hf backend's.
            cache_dir: Where the export is kept; ``None`` = beside ``model_dir`` (the model cache).
            precision: ``"fp32"``, ``"int8"`` (default: the fastest that keeps the greedy outputs
                of the shipped adapters, docs/BENCHMARKS.md) or ``"int4"``.
            provider: ``"cpu"`` or ``"cuda"``.
            threads: ONNX Runtime intra-op threads; ``None`` = one per core.
            adapters: Adapters to load at start, name to directory.
            model_name: Name reported in results; defaults to the directory name.

        Example:
            >>> backend = OnnxTextGenerator.load(ensure_base_model(cache_dir=cache), adapters={"invoice": path})
        """
        from transformers import AutoTokenizer, GenerationConfig

        model_dir = Path(model_dir)
        started = time.perf_counter()
        onnx_dir = ensure_onnx_model(
            model_dir,
            cache_dir=Path(cache_dir) if cache_dir is not None else model_dir.parent,
            precision=precision,
            provider=provider,
            threads=threads,
        )
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        if threads is not None:
            from docai.services.models.onnx_export import set_session_options

            set_session_options(onnx_dir, threads=threads)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        config = json.loads((model_dir / "config.json").read_text())
        stops: set[int] = set()
        sources: list[Any] = [config, tokenizer]
        try:
            sources.insert(0, GenerationConfig.from_pretrained(model_dir))
        except OSError:
            pass
        for source in sources:
            value = source.get("eos_token_id") if isinstance(source, dict) else getattr(source, "eos_token_id", None)
            if isinstance(value, int):
                stops.add(value)
            elif isinstance(value, (list, tuple)):
                stops.update(int(v) for v in value)
        backend = cls(
            onnx_dir,
            tokenizer,
            model_name=model_name or model_dir.name,
            precision=precision,
            provider=provider,
            stop_token_ids=sorted(stops),
            max_positions=int(config.get("max_position_embeddings") or 0),
            export_s=export_s,
        )
        backend.load_s = time.perf_counter() - started
        for name, path in (adapters or {}).items():
            backend.load_adapter(name, path)
        return backend

    # -- adapters -----------------------------------------------------------------------

    @property
    def adapter_load_s(self) -> dict[str, float]:
        return {name: adapter.load_s for name, adapter in self._adapters.items()}

    def adapters(self) -> list[str]:
        """Names of the loaded adapters, sorted."""
        with self._lock:
            return sorted(self._adapters)

    def load_adapter(self, name: str, path: Path) -> None:
        """Load the PEFT LoRA adapter in ``path`` as ``name``; a loaded ``name`` is replaced.

        The conversion and the load happen outside the lock, so requests keep being served;
        requests that start after this returns use the new version, a running one finishes
        with the version it started with.

        Raises:
            InvalidArgumentError: Bad name, or not a plain LoRA adapter for this model (``INVALID_ADAPTER``).
            NotFoundError: ``path`` holds no adapter (``ADAPTER_NOT_FOUND``).
        """
        if not _ADAPTER_NAME.match(name):
            raise InvalidArgumentError(f"invalid adapter name {name!r}", reason="INVALID_ADAPTER_NAME")
        started = time.perf_counter()
        path = Path(path)
        with self._lock:
            self._serial += 1
            internal = f"{name}#{self._serial}"
        file = Path(self._files.name) / f"{self._serial}.onnx_adapter"
        try:
            try:
                converted = convert_adapter(path, file, manifest=self._manifest)
            except (NotFoundError, InvalidArgumentError) as exc:
                exc.metadata.setdefault("adapter", name)
                raise
            self._og_adapters.load(str(file), internal)
        finally:
            file.unlink(missing_ok=True)  # og.Adapters holds the weights in memory
        with self._lock:
            old = self._adapters.get(name)
            self._adapters[name] = _Adapter(internal, path, time.perf_counter() - started, converted.rank)
            if old is not None:
                self._retired.append(old.internal)
            self._release_retired()
        _log.info("adapter %s loaded from %s in %.3fs", name, path, time.perf_counter() - started)

    def unload_adapter(self, name: str) -> None:
        """Forget adapter ``name``.

        Raises:
            NotFoundError: ``name`` is not loaded (``ADAPTER_NOT_FOUND``).
        """
        with self._lock:
            adapter = self._adapters.pop(name, None)
            if adapter is None:
                raise NotFoundError(f"adapter {name!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=name)
            self._retired.append(adapter.internal)
            self._release_retired()

    def _release_retired(self) -> None:
        """Unload replaced adapters no request holds any more. Caller holds the lock."""
        still: list[str] = []
        for internal in self._retired:
            try:
                self._og_adapters.unload(internal)
            except Exception:  # "Adapter still in use": a generator not yet collected holds it
                still.append(internal)
        self._retired = still

    def switch_adapter_s(self, adapter: str | None) -> float:
        """Seconds to start a request with ``adapter`` active (for the swap-cost benchmark)."""
        with self._lock:
            started = time.perf_counter()
            generator = self._new_generator(adapter, max_length=8)
            elapsed = time.perf_counter() - started
            del generator
            return elapsed

    # -- generation -----------------------------------------------------------------------

    def _new_generator(self, adapter: str | None, *, max_length: int) -> Any:
        """A generator with ``adapter`` active. Caller holds the lock."""
        internal = None
        if adapter is not None:
            entry = self._adapters.get(adapter)
            if entry is None:
                raise NotFoundError(f"adapter {adapter!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=adapter)
            internal = entry.internal
        params = self._og.GeneratorParams(self._model)
        params.set_search_options(max_length=max_length, do_sample=False, batch_size=1)
        generator = self._og.Generator(self._model, params)
        if internal is not None:
            generator.set_active_adapter(self._og_adapters, internal)
        return generator

    def _run(self, request: GenerationRequest, stats: DecodeStats) -> Iterator[Step]:
        prompt_ids = self._prompt_ids(request.messages)
        stats.prompt_tokens = len(prompt_ids)
        self._check_length(prompt_ids, request.max_new_tokens)
        grammar = self._grammars.compile(request.json_schema) if request.json_schema is not None else None
        sampler = None
        if request.temperature > 0 and request.seed is not None:
            sampler = torch.Generator().manual_seed(request.seed)
        with self._lock, torch.inference_mode():
            generator = self._new_generator(request.adapter, max_length=len(prompt_ids) + request.max_new_tokens + 1)
            runner = _GenaiRunner(generator, self._vocab_size)
            try:
                if request.guard is not None:
                    yield from decode_guarded(
                        runner, self._tokenizer, prompt_ids, guard=request.guard,
                        max_new_tokens=request.max_new_tokens, stop_token_ids=self._stop_ids,
                        temperature=request.temperature, generator=sampler, stats=stats,
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
                    generator=sampler,
                    banned_token_ids=self._grammars.banned_token_ids if matcher is not None else None,
                    stats=stats,
                )
            finally:
                del runner, generator  # releases its hold on the adapter
                if self._retired:
                    self._release_retired()


_check: type[TextGenerator] = OnnxTextGenerator
