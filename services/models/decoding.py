"""The decode loop: KV cache, schema-constrained JSON via xgrammar, and jump-forward decoding.

Why not ``model.generate``: a JSON answer is mostly forced text (braces, quotes, keys), and
``generate`` spends one forward pass on each forced token. Here, whenever the grammar admits
exactly one continuation (``find_jump_forward_string``), the forced text is tokenised and fed
in ONE forward pass. The last forced token is left to the model (still masked), because it
may merge with what follows (``":`` + ``"`` is the token ``":"``) and the model should see
the tokenisation it was trained on.

The loop yields :class:`Step` events so that ``generate`` and ``stream`` share it.
"""

from __future__ import annotations

import functools
import inspect
import json
import string
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from docai.services.common.errors import InvalidArgumentError

if TYPE_CHECKING:
    import xgrammar as xgr
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

# Tried in order to close a JSON document cut by max_new_tokens: end a string, then close
# objects and arrays; values are started only when nothing else fits (an empty string);
# single characters last, to pick a branch of an enum ("c" -> "credit_note").
_CLOSERS = ('"', "}", "]", "null", "0", "false", *string.ascii_letters, *string.digits, "-", "_", " ")
_MAX_CLOSING_STEPS = 400
_MAX_ROLLBACK_TOKENS = 32
# Longest prefill pass of the in-process engines, in tokens (0: the whole prompt in one pass). With
# chunks a lane checkpoint comes between two, so a description would wait for 128 tokens of an
# invoice's prompt instead of all ~1,000 (~1.3 s here); but int8 weights quantise activations per
# pass, so chunked prompts change logits (measured: one invoice field and one description's first
# words flipped at near-ties). Outputs stay bitwise as they were: whole prompts by default.
PREFILL_CHUNK = 0


@dataclass(slots=True)
class Step:
    """Tokens appended by one iteration of the loop.

    Attributes:
        token_ids: The new tokens (several when the grammar forced a run of text).
        logprobs: One per token; 0.0 for forced ones.
        forced: Whether the grammar forced them.
    """

    token_ids: list[int]
    logprobs: list[float]
    forced: bool


@dataclass(slots=True)
class DecodeStats:
    """Filled in by :func:`decode` as it runs; final once the iterator is exhausted."""

    prompt_tokens: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    grammar_s: float = 0.0
    forward_passes: int = 0
    generated_tokens: int = 0
    finish_reason: str = "stop"
    # Text that closes a JSON document cut by max_new_tokens, and how many trailing tokens
    # were dropped first (rolled back) to make the closing possible.
    closing_text: str = ""
    rolled_back_tokens: int = 0
    rolled_back: list[int] = field(default_factory=list)
    # Guarded text decoding (:mod:`.guarded`): words rewound because the guard rejected them.
    rewinds: int = 0


class GrammarCache:
    """Compiles JSON schemas into xgrammar grammars for one tokenizer, once per schema."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, *, vocab_size: int, stop_token_ids: Sequence[int]):
        import xgrammar as xgr

        self._xgr = xgr
        info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size, stop_token_ids=list(stop_token_ids))
        self._compiler = xgr.GrammarCompiler(info, max_threads=2)
        # xgrammar lets raw control characters into JSON strings, which strict parsers
        # (json.loads) reject; compact JSON has no place for them, so they are banned.
        self.banned_token_ids = torch.tensor(
            [i for i, piece in enumerate(info.decoded_vocab) if any(byte < 0x20 for byte in piece)],
            dtype=torch.long,
        )
        self._compiled: dict[str, xgr.CompiledGrammar] = {}
        self.vocab_size = vocab_size

    def compile(self, schema: dict[str, Any]) -> xgr.CompiledGrammar:
        """Return the grammar for ``schema`` (compact JSON, properties in schema order).

        Raises:
            InvalidArgumentError: The schema is not a JSON schema xgrammar can compile.
        """
        # Not sort_keys: property order in the schema is the order the model must write.
        key = json.dumps(schema, separators=(",", ":"))
        grammar = self._compiled.get(key)
        if grammar is None:
            try:
                grammar = self._compiler.compile_json_schema(
                    key, any_whitespace=False, separators=(",", ":"), strict_mode=True
                )
            except (RuntimeError, ValueError) as exc:
                raise InvalidArgumentError("json_schema cannot be compiled", reason="INVALID_JSON_SCHEMA") from exc
            self._compiled[key] = grammar
        return grammar

    def matcher(self, grammar: xgr.CompiledGrammar) -> xgr.GrammarMatcher:
        return self._xgr.GrammarMatcher(grammar)


def decode(
    model: PreTrainedModel | Runner,
    tokenizer: PreTrainedTokenizerBase,
    prompt_ids: list[int],
    *,
    max_new_tokens: int,
    stop_token_ids: Sequence[int],
    matcher: xgr.GrammarMatcher | None = None,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    banned_token_ids: torch.Tensor | None = None,
    jump_forward: bool = True,
    stats: DecodeStats,
) -> Iterator[Step]:
    """Decode greedily (or sample) from ``model`` after ``prompt_ids``, yielding each step.

    Must run under ``torch.inference_mode()`` with the caller holding the model. With a
    ``matcher``, every token is masked by the grammar; when ``max_new_tokens`` cuts the
    document, ``stats.closing_text`` holds the shortest valid completion found (possibly
    after rolling back ``stats.rolled_back_tokens`` trailing tokens, which the caller drops).

    Args:
        model: A causal LM, or a :class:`Runner` (another engine's forward pass and KV cache).
        tokenizer: Its tokenizer (used to tokenise forced text).
        prompt_ids: The tokenised prompt.
        max_new_tokens: Budget of generated tokens, forced ones included.
        stop_token_ids: End-of-sequence tokens; they end the loop and are not yielded.
        matcher: A fresh xgrammar matcher for constrained decoding, or ``None``.
        temperature: 0 for greedy, otherwise the sampling temperature.
        generator: Random generator for sampling.
        banned_token_ids: Tokens never chosen while ``matcher`` is active.
        jump_forward: Feed forced text in one pass (off only for benchmarks).
        stats: Receives timings and the finish reason.

    Yields:
        One :class:`Step` per forward pass.
    """
    import xgrammar as xgr

    runner = as_runner(model)
    stops = set(stop_token_ids)
    vocab_size = runner.vocab_size
    bitmask = xgr.allocate_token_bitmask(1, vocab_size) if matcher is not None else None

    started = time.perf_counter()
    logits = runner.prefill(prompt_ids)
    stats.forward_passes += 1
    stats.prefill_s = time.perf_counter() - started
    decode_started = time.perf_counter()
    grammar_s = 0.0
    generated = 0
    try:
        while generated < max_new_tokens:
            if matcher is not None:
                tick = time.perf_counter()
                done = matcher.is_completed() and _only_stops_allowed(matcher, bitmask, vocab_size)
                if done or matcher.is_terminated():
                    grammar_s += time.perf_counter() - tick
                    break
                forced = _forced_tokens(matcher, tokenizer, max_new_tokens - generated) if jump_forward else []
                grammar_s += time.perf_counter() - tick
                if forced:
                    yield Step(forced, [0.0] * len(forced), forced=True)
                    generated += len(forced)
                    if generated >= max_new_tokens:
                        break
                    logits = runner.forward(forced)
                    stats.forward_passes += 1
                    continue
                tick = time.perf_counter()
                assert bitmask is not None  # allocated with the matcher
                matcher.fill_next_token_bitmask(bitmask)
                xgr.apply_token_bitmask_inplace(logits, bitmask)
                if banned_token_ids is not None:
                    logits.index_fill_(1, banned_token_ids, float("-inf"))
                grammar_s += time.perf_counter() - tick
            token, logprob = _choose(logits, temperature, generator)
            if token in stops:
                if matcher is not None:
                    matcher.accept_token(token)
                break
            if matcher is not None:
                tick = time.perf_counter()
                if not matcher.accept_token(token):  # cannot happen with a correct mask
                    raise RuntimeError(f"grammar rejected token {token}")
                grammar_s += time.perf_counter() - tick
            yield Step([token], [logprob], forced=False)
            generated += 1
            if generated >= max_new_tokens:
                break
            logits = runner.forward([token])
            stats.forward_passes += 1
        if generated >= max_new_tokens and (matcher is None or not _finished(matcher)):
            stats.finish_reason = "length"
            if matcher is not None:
                tick = time.perf_counter()
                _close(matcher, stats)
                grammar_s += time.perf_counter() - tick
    finally:
        stats.generated_tokens = generated
        stats.decode_s = time.perf_counter() - decode_started
        stats.grammar_s = grammar_s


class Runner:
    """One sequence's forward passes and KV cache, for engines other than a transformers model.

    :func:`decode` and :func:`~.guarded.decode_guarded` take either a transformers model (wrapped
    in :class:`TorchRunner`) or a subclass of this, so every engine shares one decode loop:
    the same grammar, jump-forward, guard and sampling, hence the same greedy output.

    Attributes:
        vocab_size: Width of the logits.
    """

    vocab_size: int

    def forward(self, ids: list[int]) -> torch.Tensor:
        """Append ``ids`` to the sequence; return the logits after the last one, ``[1, vocab]`` float32 on CPU."""
        raise NotImplementedError

    def prefill(
        self, prompt_ids: list[int], *, pause: Callable[[], None] | None = None, chunk: int = 0
    ) -> torch.Tensor:
        """Start the (empty) sequence with the prompt; engines with a prefix cache reuse what they can.

        With ``chunk``, the prompt goes in passes of at most ``chunk`` tokens with ``pause()``
        between them (a lane checkpoint: a long invoice prompt does not hold the engine for its
        whole prefill).
        """
        return forward_in_chunks(self, prompt_ids, pause=pause, chunk=chunk)

    def length(self) -> int:
        """Tokens in the KV cache."""
        raise NotImplementedError

    def crop(self, length: int) -> None:
        """Keep only the first ``length`` tokens of the KV cache."""
        raise NotImplementedError


class TorchRunner(Runner):
    """A transformers causal LM with a :class:`~transformers.DynamicCache`."""

    def __init__(self, model: PreTrainedModel) -> None:
        self._model = model
        self._device = model.device
        self._cache = _new_cache(model)
        self.vocab_size = int(model.config.vocab_size)

    def forward(self, ids: list[int]) -> torch.Tensor:
        return _forward(self._model, ids, self._cache, self._device)

    def length(self) -> int:
        return int(self._cache.get_seq_length())

    def crop(self, length: int) -> None:
        surplus = self.length() - length
        if surplus > 0:
            self._cache.crop(-surplus)  # transformers 5: a negative count removes that many tokens


def forward_in_chunks(
    runner: Runner, ids: list[int], *, pause: Callable[[], None] | None = None, chunk: int = 0
) -> torch.Tensor:
    """``runner.forward(ids)`` in passes of at most ``chunk`` tokens (0: one pass), ``pause()`` between them."""
    if chunk <= 0 or len(ids) <= chunk:
        return runner.forward(ids)
    logits = None
    for start in range(0, len(ids), chunk):
        if start and pause is not None:
            pause()
        logits = runner.forward(ids[start : start + chunk])
    assert logits is not None
    return logits


class PausingRunner(Runner):
    """Another runner whose every forward pass starts with ``pause()``: a lane checkpoint (:mod:`.lanes`).

    Between two passes the request may hand the engine to another one and wait for it back; its
    own KV cache is untouched meanwhile. Long prompts are prefilled in passes of ``prefill_chunk``
    tokens, with a checkpoint between them.
    """

    def __init__(self, inner: Runner, pause: Callable[[], None], *, prefill_chunk: int = 0) -> None:
        self.inner = inner
        self.vocab_size = inner.vocab_size
        self._pause = pause
        self._chunk = prefill_chunk

    def prefill(
        self, prompt_ids: list[int], *, pause: Callable[[], None] | None = None, chunk: int = 0
    ) -> torch.Tensor:
        self._pause()
        return self.inner.prefill(prompt_ids, pause=self._pause, chunk=chunk or self._chunk)

    def forward(self, ids: list[int]) -> torch.Tensor:
        self._pause()
        return self.inner.forward(ids)

    def length(self) -> int:
        return self.inner.length()

    def crop(self, length: int) -> None:
        self.inner.crop(length)


def as_runner(model: PreTrainedModel | Runner) -> Runner:
    """``model`` itself when it is a :class:`Runner`, else a fresh :class:`TorchRunner` (new cache) for it."""
    return model if isinstance(model, Runner) else TorchRunner(model)


def _new_cache(model: PreTrainedModel) -> Any:
    from transformers import DynamicCache

    return DynamicCache(config=model.config)


@functools.cache
def _cache_kwarg(model_class: Any) -> str:
    # transformers 5.x renames ``past_key_values`` to ``cache`` model by model.
    parameters = inspect.signature(model_class.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"


def _forward(model: PreTrainedModel, ids: list[int], cache: Any, device: torch.device) -> torch.Tensor:
    input_ids = torch.tensor([ids], dtype=torch.long, device=device)
    model_class: Any = type(model)  # hashable; mypy reads PreTrainedModel's __hash__ as an instance method
    kwargs = {_cache_kwarg(model_class): cache}
    out = model(input_ids=input_ids, use_cache=True, logits_to_keep=1, **kwargs)
    # float32 on CPU: xgrammar masks float32 logits in place, and log_softmax wants precision.
    logits: torch.Tensor = out.logits[:, -1, :].float()
    return logits.cpu() if device.type != "cpu" else logits


def _choose(logits: torch.Tensor, temperature: float, generator: torch.Generator | None) -> tuple[int, float]:
    if temperature > 0:
        logprobs = torch.log_softmax(logits[0] / temperature, dim=-1)
        token = int(torch.multinomial(logprobs.exp(), 1, generator=generator).item())
    else:
        logprobs = torch.log_softmax(logits[0], dim=-1)
        token = int(torch.argmax(logprobs).item())
    return token, float(logprobs[token].item())


def _forced_tokens(matcher: xgr.GrammarMatcher, tokenizer: PreTrainedTokenizerBase, budget: int) -> list[int]:
    text = matcher.find_jump_forward_string()
    if not text:
        return []
    # Keep the last token back: it may merge with the text that follows (see the module docstring).
    ids = tokenizer.encode(text, add_special_tokens=False)[:-1][:budget]
    accepted: list[int] = []
    for token in ids:
        if not matcher.accept_token(token):
            break
        accepted.append(token)
    return accepted


def _only_stops_allowed(matcher: xgr.GrammarMatcher, bitmask: torch.Tensor | None, vocab_size: int) -> bool:
    import xgrammar as xgr

    assert bitmask is not None
    matcher.fill_next_token_bitmask(bitmask)
    probe = torch.zeros(1, vocab_size)
    xgr.apply_token_bitmask_inplace(probe, bitmask)
    allowed = torch.isfinite(probe[0]).nonzero().flatten().tolist()
    return set(allowed) <= set(matcher.stop_token_ids)


def _finished(matcher: xgr.GrammarMatcher) -> bool:
    return matcher.is_completed() or matcher.is_terminated()


def _close(matcher: xgr.GrammarMatcher, stats: DecodeStats) -> None:
    """Find a short valid ending for a cut document, rolling back tokens when there is none."""
    for rollback in range(_MAX_ROLLBACK_TOKENS + 1):
        trial = matcher.fork()
        if rollback:
            try:
                trial.rollback(rollback)
            except (RuntimeError, ValueError):
                break
        closing = _greedy_closing(trial)
        if closing is not None:
            stats.closing_text = closing
            stats.rolled_back_tokens = rollback
            return
    raise RuntimeError("no valid JSON ending found for a truncated output")


def _starts_value_with_null(matcher: xgr.GrammarMatcher) -> bool:
    # "null" is also accepted as text inside an open string; only a value is never followed by '"'.
    trial = matcher.fork()
    return trial.accept_string("null") and not trial.fork().accept_string('"')


def _greedy_closing(matcher: xgr.GrammarMatcher) -> str | None:
    out: list[str] = []
    for _ in range(_MAX_CLOSING_STEPS):
        if matcher.is_completed():
            return "".join(out)
        forced = matcher.find_jump_forward_string()
        if forced:
            if not matcher.accept_string(forced):
                return None
            out.append(forced)
            continue
        if _starts_value_with_null(matcher):
            matcher.accept_string("null")
            out.append("null")
            continue
        for candidate in _CLOSERS:
            if matcher.accept_string(candidate):
                out.append(candidate)
                break
        else:
            return None
    return None
