"""The ONNX Runtime backend: the base model exported once to ONNX, LoRA adapters fed per request.

The decoder (:mod:`.onnx_export`: exported at setup by onnxruntime-genai's builder, with a
GroupQueryAttention KV cache and a LoRA branch on every projection) runs in a plain ONNX
Runtime ``InferenceSession``: the CPU execution provider here, CUDA with ``onnxruntime-gpu`` on
a GPU host. Each request owns KV buffers of ``prompt + max_new_tokens`` positions, bound as
both the past input and the present output of every layer (I/O binding, so nothing is copied
between steps); rewinding is shortening the attention mask. ONNX Runtime releases the GIL
while it computes, so the gRPC threads keep answering during a long prefill (onnxruntime-genai's
Python generator, measured, holds it: that is why it only builds the model here).

The decode loop is the one the hf backend runs (:func:`~.decoding.decode`,
:func:`~.guarded.decode_guarded`) over a :class:`~.decoding.Runner`: the same xgrammar schemas
with jump-forward (forced text in one pass), the same guarded decoding of descriptions (rewind
and re-decode; nothing is filtered afterwards), the same sampling, so the same logits give the
same text, and ``stream`` yields pieces as they are decoded.

Adapters: a PEFT directory becomes the inputs of the LoRA branches (:func:`~.onnx_export.convert_adapter`,
milliseconds), held in memory and bound per request: switching adapters costs nothing and the
base model is never reloaded. A new version replaces the old one atomically; a running request
finishes with the version it started with (promotion and rollback without a restart).

Concurrency: one forward pass at a time, handed out by a :class:`~.lanes.LaneScheduler` with two
lanes: a seller's streamed description (``interactive``) takes the engine between two forward
passes of pipeline work (an invoice being read), which waits with its KV buffers as they are and
goes on where it stopped. A prompt's prefill is one pass (``prefill_chunk`` cuts it into
passes with a checkpoint between them, at the price of slightly different logits: see
``PREFILL_CHUNK``). Two requests could run at once (sessions are thread-safe), but on a 2-core
machine they only split the same cores, so the engine is handed over instead; requests do not
share forward passes (no continuous batching: see docs/BENCHMARKS.md).
A prompt that starts like a recent one (the same brand's system prompt, the same invoice
instructions) prefills only the rest (:mod:`.prefix_cache`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from docai.services.common.errors import InvalidArgumentError, NotFoundError
from docai.services.models.backend import GenerationRequest, TextGenerator
from docai.services.models.decoding import (
    PREFILL_CHUNK,
    DecodeStats,
    GrammarCache,
    PausingRunner,
    Runner,
    Step,
    decode,
    forward_in_chunks,
)
from docai.services.models.guarded import decode_guarded
from docai.services.models.hf_backend import _ADAPTER_NAME, LoopBackend
from docai.services.models.lanes import LaneScheduler
from docai.services.models.onnx_export import convert_adapter, ensure_onnx_model, load_manifest
from docai.services.models.prefix_cache import PrefixCache

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Adapter:
    path: Path
    load_s: float
    rank: int
    inputs: dict[str, Any]  # LoRA branch input name -> OrtValue


@dataclass(frozen=True, slots=True)
class _Layout:
    layers: int
    kv_heads: int
    head_size: int
    vocab_size: int
    dtype: Any  # numpy dtype of the KV cache
    past: tuple[str, str]  # name templates, e.g. "past_key_values.%d.key"
    present: tuple[str, str]


class _OrtRunner(Runner):
    """One request's sequence: KV buffers shared by past and present, rewound by the mask length.

    On the CPU the buffers are numpy arrays that ONNX Runtime reads and writes in place, so the
    prompt's start can come from the :class:`~.prefix_cache.PrefixCache` and go back into it.
    """

    def __init__(
        self,
        session: Any,
        layout: _Layout,
        *,
        max_length: int,
        inputs: dict[str, Any],
        device: str,
        prefixes: PrefixCache | None = None,
        owner: object = None,
    ) -> None:
        import onnxruntime as ort

        self.vocab_size = layout.vocab_size
        self._session = session
        self._length = 0
        self._max_length = max_length
        self._binding = session.io_binding()
        self._prefixes = prefixes if device == "cpu" else None
        self._owner = owner
        self._arrays: list[np.ndarray] = []
        shape = (1, layout.kv_heads, max_length, layout.head_size)
        for layer in range(layout.layers):
            for past, present in zip(layout.past, layout.present, strict=True):
                if device == "cpu":
                    array = np.empty(shape, dtype=layout.dtype)
                    self._arrays.append(array)
                    buffer = ort.OrtValue.ortvalue_from_numpy(array)
                else:
                    buffer = ort.OrtValue.ortvalue_from_shape_and_type(shape, layout.dtype, device, 0)
                self._binding.bind_ortvalue_input(past % layer, buffer)
                self._binding.bind_ortvalue_output(present % layer, buffer)
        for name, value in inputs.items():
            self._binding.bind_ortvalue_input(name, value)
        self._binding.bind_output("logits", "cpu")  # bound last: get_outputs()[-1]

    def prefill(
        self, prompt_ids: list[int], *, pause: Callable[[], None] | None = None, chunk: int = 0
    ) -> torch.Tensor:
        if self._prefixes is None:
            return forward_in_chunks(self, prompt_ids, pause=pause, chunk=chunk)
        hit = self._prefixes.lookup(self._owner, prompt_ids)
        if hit is not None:
            for array, cached in zip(self._arrays, hit.arrays, strict=True):
                array[:, :, : hit.length, :] = cached
            self._length = hit.length
        logits = forward_in_chunks(self, prompt_ids[self._length :], pause=pause, chunk=chunk)
        self._prefixes.store(self._owner, prompt_ids, tuple(self._arrays))
        return logits

    def forward(self, ids: list[int]) -> torch.Tensor:
        total = self._length + len(ids)
        if total > self._max_length:
            raise RuntimeError(f"sequence of {total} tokens exceeds its KV buffers of {self._max_length}")
        binding = self._binding
        binding.bind_cpu_input("input_ids", np.asarray([ids], dtype=np.int64))
        binding.bind_cpu_input("attention_mask", np.ones((1, total), dtype=np.int64))
        self._session.run_with_iobinding(binding)
        logits = binding.get_outputs()[-1].numpy()
        self._length = total
        return torch.from_numpy(np.array(logits, dtype=np.float32).reshape(1, -1)[:, : self.vocab_size])

    def length(self) -> int:
        return self._length

    def crop(self, length: int) -> None:
        # Positions past the mask are never read, and the next forward overwrites them.
        self._length = min(self._length, max(0, length))


class OnnxTextGenerator(LoopBackend):
    """A :class:`TextGenerator` running an ONNX export of the base model with ONNX Runtime.

    Build it with :meth:`load`. Thread-safe: requests take turns on the engine by lane
    (:attr:`engine`, see the module docstring).

    Attributes:
        model_name: Name reported in results.
        engine: Hands the engine to requests, interactive ones first.
        prefill_chunk: Longest prefill pass, in tokens (a checkpoint between two); 0 = one pass.
        onnx_dir: The exported model directory.
        precision: ``fp32``, ``int8`` or ``int4`` weights.
        load_s: Seconds :meth:`load` took to load the model (the export excluded).
        export_s: Seconds :meth:`load` spent exporting (0 when the export was cached).
    """

    def __init__(
        self,
        onnx_dir: Path,
        tokenizer: Any,
        *,
        model_name: str,
        precision: str,
        provider: str = "cpu",
        threads: int | None = None,
        spinning: bool = True,
        prefix_cache_tokens: int = 4096,
        prefill_chunk: int = PREFILL_CHUNK,
        stop_token_ids: list[int],
        max_positions: int,
    ) -> None:
        import onnxruntime as ort

        self.model_name = model_name
        self.onnx_dir = Path(onnx_dir)
        self.precision = precision
        self.load_s = 0.0
        self.export_s = 0.0
        options = ort.SessionOptions()
        options.log_severity_level = 3  # the LoRA inputs are overridable initializers on purpose
        options.intra_op_num_threads = int(threads or os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"] if provider == "cuda" else ["CPUExecutionProvider"]
        )
        self._device = "cuda" if provider == "cuda" else "cpu"
        self._session = ort.InferenceSession(str(self.onnx_dir / "model.onnx"), options, providers=providers)
        self._layout = _layout(self.onnx_dir, self._session)
        self._manifest = load_manifest(self.onnx_dir)
        self._tokenizer = tokenizer
        self._stop_ids = stop_token_ids
        self._max_positions = max_positions
        self._grammars = GrammarCache(tokenizer, vocab_size=self._layout.vocab_size, stop_token_ids=stop_token_ids)
        self._lock = threading.Lock()  # the adapter table; the engine itself is self.engine's
        self._adapters: dict[str, _Adapter] = {}
        self.prefixes = PrefixCache(prefix_cache_tokens)
        self.engine = LaneScheduler()
        self.prefill_chunk = prefill_chunk

    @classmethod
    def load(
        cls,
        model_dir: Path | str,
        *,
        cache_dir: Path | str | None = None,
        precision: str = "int8",
        provider: str = "cpu",
        threads: int | None = None,
        spinning: bool = True,
        prefix_cache_tokens: int = 4096,
        adapters: Mapping[str, Path] | None = None,
        model_name: str | None = None,
    ) -> OnnxTextGenerator:
        """Load (exporting once if needed) the ONNX model of a Hugging Face model directory.

        Args:
            model_dir: The Hugging Face model directory (``ensure_base_model``'s result): its
                tokenizer and chat template are used as they are, so prompts match the hf backend's.
            cache_dir: Where the export is kept; ``None`` = beside ``model_dir`` (the model cache).
            precision: ``"fp32"``, ``"int8"`` (default) or ``"int4"`` weights (docs/BENCHMARKS.md
                has what each measured).
            provider: ``"cpu"`` or ``"cuda"`` (``onnxruntime-gpu``).
            threads: ONNX Runtime intra-op threads; ``None`` = one per core.
            spinning: Whether idle ONNX Runtime threads spin between operators (faster on an
                idle machine, a waste of cores on a busy one).
            prefix_cache_tokens: Prompt positions whose KV cache is kept for the next prompt that
                starts the same way (:mod:`.prefix_cache`; about 46 KiB each for SmolLM2-135M; 0 = off).
            adapters: Adapters to load at start, name to directory.
            model_name: Name reported in results; defaults to the directory name.

        Raises:
            FailedPreconditionError: The export failed.

        Example:
            >>> backend = OnnxTextGenerator.load(ensure_base_model(cache_dir=cache), adapters={"invoice": path})
        """
        from transformers import AutoTokenizer

        model_dir = Path(model_dir)
        started = time.perf_counter()
        onnx_dir = ensure_onnx_model(
            model_dir,
            cache_dir=Path(cache_dir) if cache_dir is not None else model_dir.parent,
            precision=precision,
            provider=provider,
        )
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        config = json.loads((model_dir / "config.json").read_text())
        backend = cls(
            onnx_dir,
            tokenizer,
            model_name=model_name or model_dir.name,
            precision=precision,
            provider=provider,
            threads=threads,
            spinning=spinning,
            prefix_cache_tokens=prefix_cache_tokens,
            stop_token_ids=_stop_token_ids(model_dir, config, tokenizer),
            max_positions=int(config.get("max_position_embeddings") or 0),
        )
        backend.load_s = time.perf_counter() - started
        backend.export_s = export_s
        for name, path in (adapters or {}).items():
            backend.load_adapter(name, path)
        return backend

    # -- adapters -----------------------------------------------------------------------

    def load_adapter(self, name: str, path: Path) -> None:
        """Load the PEFT LoRA adapter in ``path`` as ``name``; a loaded ``name`` is replaced.

        Requests keep being served meanwhile; requests that start after this returns use the
        new version, a running one finishes with the version it started with.

        Raises:
            InvalidArgumentError: Bad name, or not a plain LoRA adapter for this model (``INVALID_ADAPTER``).
            NotFoundError: ``path`` holds no adapter (``ADAPTER_NOT_FOUND``).
        """
        import onnxruntime as ort

        if not _ADAPTER_NAME.match(name):
            raise InvalidArgumentError(f"invalid adapter name {name!r}", reason="INVALID_ADAPTER_NAME")
        started = time.perf_counter()
        path = Path(path)
        try:
            converted = convert_adapter(path, manifest=self._manifest)
        except (NotFoundError, InvalidArgumentError) as exc:
            exc.metadata.setdefault("adapter", name)
            raise
        inputs = {
            key: ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(value), self._device, 0)
            for key, value in converted.parameters.items()
        }
        adapter = _Adapter(path, time.perf_counter() - started, converted.rank, inputs)
        with self._lock:
            replaced = self._adapters.get(name)
            self._adapters[name] = adapter
        if replaced is not None:
            self.prefixes.clear(replaced)
        _log.info("adapter %s loaded from %s in %.3fs", name, path, adapter.load_s)

    def unload_adapter(self, name: str) -> None:
        """Forget adapter ``name``.

        Raises:
            NotFoundError: ``name`` is not loaded (``ADAPTER_NOT_FOUND``).
        """
        with self._lock:
            removed = self._adapters.pop(name, None)
        if removed is None:
            raise NotFoundError(f"adapter {name!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=name)
        self.prefixes.clear(removed)

    def switch_adapter_s(self, adapter: str | None) -> float:
        """Seconds to start a request with ``adapter`` (its inputs bound), for the swap-cost benchmark."""
        started = time.perf_counter()
        self._runner(adapter, max_length=8)
        return time.perf_counter() - started

    # -- generation -----------------------------------------------------------------------

    @contextmanager
    def _scoring_runner(self, adapter: str | None, *, lane: str, max_length: int) -> Iterator[Runner]:
        with self.engine.turn(lane) as turn, torch.inference_mode():  # type: ignore[arg-type]
            yield PausingRunner(
                self._runner(adapter, max_length=max_length), turn.checkpoint, prefill_chunk=self.prefill_chunk
            )

    def _runner(self, adapter: str | None, *, max_length: int) -> _OrtRunner:
        """A fresh sequence with ``adapter`` (the version loaded now) bound."""
        entry = None
        if adapter is not None:
            with self._lock:
                entry = self._adapters.get(adapter)
            if entry is None:
                raise NotFoundError(f"adapter {adapter!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=adapter)
        return _OrtRunner(
            self._session,
            self._layout,
            max_length=max_length,
            inputs=entry.inputs if entry else {},
            device=self._device,
            prefixes=self.prefixes,
            owner=entry,
        )

    def _run(self, request: GenerationRequest, stats: DecodeStats) -> Iterator[Step]:
        prompt_ids = self._prompt_ids(request.messages)
        stats.prompt_tokens = len(prompt_ids)
        self._check_length(prompt_ids, request.max_new_tokens)
        grammar = self._grammars.compile(request.json_schema) if request.json_schema is not None else None
        sampler = None
        if request.temperature > 0 and request.seed is not None:
            sampler = torch.Generator().manual_seed(request.seed)
        with self.engine.turn(request.lane) as turn, torch.inference_mode():
            runner = PausingRunner(
                self._runner(request.adapter, max_length=len(prompt_ids) + request.max_new_tokens + 1),
                turn.checkpoint,
                prefill_chunk=self.prefill_chunk,
            )
            if request.guard is not None:
                yield from decode_guarded(
                    runner,
                    self._tokenizer,
                    prompt_ids,
                    guard=request.guard,
                    max_new_tokens=request.max_new_tokens,
                    stop_token_ids=self._stop_ids,
                    temperature=request.temperature,
                    generator=sampler,
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
                generator=sampler,
                banned_token_ids=self._grammars.banned_token_ids if matcher is not None else None,
                stats=stats,
            )


def _layout(onnx_dir: Path, session: Any) -> _Layout:
    decoder = json.loads((onnx_dir / "genai_config.json").read_text())["model"]
    spec = decoder["decoder"]
    inputs, outputs = spec["inputs"], spec["outputs"]
    past_type = next(i.type for i in session.get_inputs() if i.name == inputs["past_key_names"] % 0)
    return _Layout(
        layers=int(spec["num_hidden_layers"]),
        kv_heads=int(spec["num_key_value_heads"]),
        head_size=int(spec["head_size"]),
        vocab_size=int(decoder["vocab_size"]),
        dtype=np.float16 if "float16" in past_type else np.float32,
        past=(inputs["past_key_names"], inputs["past_value_names"]),
        present=(outputs["present_key_names"], outputs["present_value_names"]),
    )


def _stop_token_ids(model_dir: Path, config: dict[str, Any], tokenizer: Any) -> list[int]:
    """End-of-sequence ids from the generation config, the model config and the tokenizer (as the hf backend)."""
    ids: set[int] = set()
    sources: list[Any] = [config, {"eos_token_id": getattr(tokenizer, "eos_token_id", None)}]
    generation = model_dir / "generation_config.json"
    if generation.is_file():
        sources.insert(0, json.loads(generation.read_text()))
    for source in sources:
        value = source.get("eos_token_id")
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    return sorted(ids)


_check: type[TextGenerator] = OnnxTextGenerator
