"""Reuse of a prompt's KV cache by the next prompt that starts the same way.

Descriptions of one brand share their system prompt, and invoice prompts share their
instructions: the prefill of that shared start is the same computation every time. The cache
keeps the KV arrays of recent prompts (per adapter version, since an adapter changes the keys
and values) and hands the longest common start to the next prompt, which then prefills only
the rest. The result is the same as a full prefill: attention over a position depends only on
the positions before it.

Bounded by a token budget (least recently used entries leave first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

# Shorter common starts are not worth a copy; and the last prompt token is always prefilled,
# because its logits start the decoding.
MIN_REUSE_TOKENS = 16


@dataclass(frozen=True, slots=True)
class Hit:
    """The first ``length`` positions of a cached prompt, one array per KV input (``[1, heads, length, size]``)."""

    length: int
    arrays: tuple[np.ndarray, ...]


@dataclass(slots=True)
class _Entry:
    owner: object
    tokens: np.ndarray
    arrays: tuple[np.ndarray, ...]


class PrefixCache:
    """KV arrays of recent prompts, found by their longest common start with a new prompt.

    Args:
        budget_tokens: Cached positions at most, over all entries (0 turns the cache off).
    """

    def __init__(self, budget_tokens: int) -> None:
        self.budget_tokens = budget_tokens
        self.hits = 0
        self.reused_tokens = 0
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._next = 0
        self._lock = threading.Lock()

    def lookup(self, owner: object, prompt_ids: list[int]) -> Hit | None:
        """The longest cached start of ``prompt_ids`` computed with ``owner`` (an adapter version), or None."""
        if self.budget_tokens <= 0 or len(prompt_ids) <= MIN_REUSE_TOKENS:
            return None
        prompt = np.asarray(prompt_ids, dtype=np.int64)
        best: tuple[int, int] | None = None
        with self._lock:
            for key, entry in self._entries.items():
                if entry.owner is not owner:
                    continue
                length = _common_start(entry.tokens, prompt[:-1])
                if length >= MIN_REUSE_TOKENS and (best is None or length > best[1]):
                    best = (key, length)
            if best is None:
                return None
            key, length = best
            self._entries.move_to_end(key)
            arrays = tuple(array[:, :, :length, :] for array in self._entries[key].arrays)
            self.hits += 1
            self.reused_tokens += length
        return Hit(length, arrays)

    def store(self, owner: object, prompt_ids: list[int], arrays: tuple[np.ndarray, ...]) -> None:
        """Keep a copy of the first ``len(prompt_ids)`` positions of ``arrays`` (the KV buffers after the prefill)."""
        length = len(prompt_ids)
        if self.budget_tokens <= 0 or length <= MIN_REUSE_TOKENS or length > self.budget_tokens:
            return
        tokens = np.asarray(prompt_ids, dtype=np.int64)
        copies = tuple(array[:, :, :length, :].copy() for array in arrays)
        with self._lock:
            for key, entry in list(self._entries.items()):
                # A prompt that starts with a cached one replaces it (it holds everything it held).
                if entry.owner is owner and _common_start(entry.tokens, tokens) == len(entry.tokens):
                    del self._entries[key]
            self._entries[self._next] = _Entry(owner, tokens, copies)
            self._next += 1
            while sum(len(entry.tokens) for entry in self._entries.values()) > self.budget_tokens:
                self._entries.popitem(last=False)

    def clear(self, owner: object | None = None) -> None:
        """Forget every entry (of ``owner`` only, when given)."""
        with self._lock:
            for key in [k for k, e in self._entries.items() if owner is None or e.owner is owner]:
                del self._entries[key]

    def cached_tokens(self) -> int:
        with self._lock:
            return sum(len(entry.tokens) for entry in self._entries.values())


def _common_start(a: np.ndarray, b: np.ndarray) -> int:
    size = min(len(a), len(b))
    differ = np.flatnonzero(a[:size] != b[:size])
    return int(differ[0]) if len(differ) else size
