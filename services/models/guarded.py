"""Guarded decoding of free text: a word the guard rejects is rewound and decoded again.

A guard is a function from text to the spans that must not be in it (for descriptions: the
scorecard's ungrounded numbers, colours, materials and claims, and the brand's banned words).
After every completed word the loop asks the guard about the text so far; when it names a
span, the KV cache is cropped back to the span's first token, that token is banned at that
position, and decoding goes on from there. So the model picks its next-best wording instead
of an invented fact, and nothing is filtered out of the text afterwards.

Text is held back ``lookback_words`` words before it is yielded, so a rewind never takes
back what a streaming client has already received; a span that starts in released text (or
one left after ``max_rewinds``) stays in the text, and the scorecard flags it. A span the
model writes again and again (a loop) ends the text where it starts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import torch

from docai.services.models.decoding import DecodeStats, Runner, Step, _choose, as_runner

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

Guard = Callable[[str], Sequence[tuple[int, int]]]
"""Returns the ``(start, end)`` character spans of ``text`` that must not be generated."""

_SPACE = re.compile(r"\s")


def decode_guarded(
    model: PreTrainedModel | Runner,
    tokenizer: PreTrainedTokenizerBase,
    prompt_ids: list[int],
    *,
    guard: Guard,
    max_new_tokens: int,
    stop_token_ids: Sequence[int],
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    lookback_words: int = 4,
    max_rewinds: int = 16,
    max_tries_per_span: int = 3,
    stats: DecodeStats,
) -> Iterator[Step]:
    """Decode text from ``model`` after ``prompt_ids``, rewinding whatever ``guard`` rejects.

    Must run under ``torch.inference_mode()`` with the caller holding the model.

    Args:
        model: A causal LM, or a :class:`~.decoding.Runner` (another engine).
        tokenizer: Its tokenizer (to turn tokens into the text the guard reads).
        prompt_ids: The tokenised prompt.
        guard: Spans of text that must not be generated.
        max_new_tokens: Budget of tokens in the final text (rewound ones do not count).
        stop_token_ids: End-of-sequence tokens; they end the loop and are not yielded.
        temperature: 0 for greedy, otherwise the sampling temperature.
        generator: Random generator for sampling.
        lookback_words: Words held back before release: the longest span a rewind can reach.
        max_rewinds: After this many rewinds the guard is no longer asked.
        max_tries_per_span: Rewinds of one span before the text ends where it starts.
        stats: Receives timings, the finish reason and ``rewinds``.

    Yields:
        :class:`Step` s of released tokens, in order; together they are the final text.
    """
    runner = as_runner(model)
    stops = set(stop_token_ids)
    started = time.perf_counter()
    logits = runner.prefill(prompt_ids)
    stats.forward_passes += 1
    stats.prefill_s = time.perf_counter() - started
    decode_started = time.perf_counter()

    tokens: list[int] = []
    logprobs: list[float] = []
    ends: list[int] = []  # ends[i]: length of the text of tokens[: i + 1]
    banned: dict[int, set[int]] = {}
    released = 0  # tokens already yielded
    rewinds = 0
    tried: dict[int, int] = {}  # rewinds per span start
    text = ""

    def rewind(to: int) -> torch.Tensor:
        """Drop tokens[to:] and ban tokens[to] at position ``to``; returns the logits there."""
        nonlocal banned, text
        banned = {k: v for k, v in banned.items() if k < to}
        banned.setdefault(to, set()).add(tokens[to])
        del tokens[to:], logprobs[to:], ends[to:]
        text = text[: ends[-1]] if ends else ""
        # The cache keeps prompt + tokens[: to - 1]; the last kept token is fed again for its logits.
        runner.crop(len(prompt_ids) + to - 1)
        last = tokens[-1] if tokens else prompt_ids[-1]
        stats.forward_passes += 1
        return runner.forward([last])

    def cut(to: int) -> None:
        """End the text before tokens[to] (never released: rewinds only reach unreleased text)."""
        del tokens[to:], logprobs[to:], ends[to:]

    def fixable(upto: int) -> tuple[int, bool] | None:
        """Where to rewind for the earliest rejected span in unreleased text before ``upto``, or None.

        Returns the token to rewind to, and whether to end the text there instead. The first
        rewind of a span goes back to its last word only ("45 hours": the unit may be the only
        invented part); a span that comes back goes back to its start; one the model keeps
        coming back to (a loop) ends the text where it starts.
        """
        floor = ends[released - 1] if released else 0
        spans = sorted((start, end) for start, end in guard(text[:upto]) if start >= floor)
        if not spans:
            return None
        start, end = spans[0]
        tries = tried[start] = tried.get(start, 0) + 1
        if tries == 1:
            start += text[start:end].rstrip().rfind(" ") + 1
        token = next(i for i, token_end in enumerate(ends) if token_end > start)
        return token, tries > max_tries_per_span

    def enforce(upto: int) -> str:
        """Ask the guard about ``text[:upto]``: "ok", "rewound" (``logits`` now at the rewind point) or "ended"."""
        nonlocal rewinds, logits
        found = fixable(upto) if rewinds < max_rewinds else None
        if found is None:
            return "ok"
        rewinds += 1
        if found[1]:
            cut(found[0])
            return "ended"
        logits = rewind(found[0])
        return "rewound"

    try:
        while len(tokens) < max_new_tokens:
            position = len(tokens)
            if position in banned:
                logits[0, list(banned[position])] = float("-inf")
            token, logprob = _choose(logits, temperature, generator)
            if token in stops:
                if enforce(len(text)) == "rewound":
                    continue
                break
            tokens.append(token)
            logprobs.append(logprob)
            previous = len(text)
            text = tokenizer.decode(tokens, skip_special_tokens=True)  # type: ignore[assignment]  # one id list: one str
            ends.append(len(text))
            space = _last_space(text, previous)
            if space is not None:
                verdict = enforce(space)
                if verdict == "ended":
                    break
                if verdict == "rewound":
                    continue
                keep = _release_point(text[:space], lookback_words)
                upto = released
                while upto < len(tokens) and ends[upto] <= keep:
                    upto += 1
                if upto > released:
                    yield Step(tokens[released:upto], logprobs[released:upto], forced=False)
                    released = upto
            if len(tokens) >= max_new_tokens:
                break
            logits = runner.forward([token])
            stats.forward_passes += 1
        if len(tokens) >= max_new_tokens:
            stats.finish_reason = "length"
            found = fixable(len(text)) if rewinds < max_rewinds else None
            if found is not None:  # the budget ends on a rejected span: cut it off rather than keep it
                rewinds += 1
                cut(found[0])
        if len(tokens) > released:
            yield Step(tokens[released:], logprobs[released:], forced=False)
    finally:
        stats.generated_tokens = len(tokens)
        stats.decode_s = time.perf_counter() - decode_started
        stats.rewinds = rewinds


def _last_space(text: str, since: int) -> int | None:
    """Offset of the last whitespace at or after ``since`` (a word just ended there), or None."""
    for index in range(len(text) - 1, max(since, 1) - 1, -1):
        if _SPACE.match(text[index]):
            return index
    return None


def _release_point(text: str, lookback_words: int) -> int:
    """Where the last ``lookback_words`` words of ``text`` begin: text before it is final."""
    starts = [m.start() for m in re.finditer(r"\S+", text)]
    return starts[-lookback_words] if len(starts) >= lookback_words else 0
