"""The prefix cache on arrays: longest common start, per owner, last token never reused, budget."""

from __future__ import annotations

import numpy as np

from docai.services.models.prefix_cache import MIN_REUSE_TOKENS, PrefixCache


def _kv(length: int, fill: float) -> tuple[np.ndarray, ...]:
    return tuple(np.full((1, 2, length, 4), fill + i, dtype=np.float32) for i in range(2))


def test_the_longest_common_start_of_the_same_owner_is_reused() -> None:
    cache, owner, other = PrefixCache(1000), object(), object()
    base = list(range(100))
    cache.store(owner, base, _kv(120, 1.0))
    cache.store(owner, [*range(50), *range(500, 560)], _kv(120, 7.0))
    hit = cache.lookup(owner, [*range(80), 999, 998])
    assert hit is not None and hit.length == 80
    assert hit.arrays[0].shape == (1, 2, 80, 4) and float(hit.arrays[0][0, 0, 0, 0]) == 1.0
    assert cache.lookup(other, base) is None  # another adapter's keys and values
    assert cache.lookup(owner, [1000 + i for i in range(100)]) is None


def test_the_last_prompt_token_is_always_prefilled() -> None:
    cache, owner = PrefixCache(1000), None
    prompt = list(range(40))
    cache.store(owner, prompt, _kv(40, 0.0))
    hit = cache.lookup(owner, prompt)
    assert hit is not None and hit.length == len(prompt) - 1


def test_short_starts_are_not_worth_a_copy_and_the_budget_evicts_the_oldest() -> None:
    cache, owner = PrefixCache(150), None
    cache.store(owner, list(range(100)), _kv(100, 0.0))
    assert cache.lookup(owner, [*range(MIN_REUSE_TOKENS - 1), -1, -2]) is None
    cache.store(owner, list(range(1000, 1100)), _kv(100, 0.0))  # 200 tokens > 150: the first leaves
    assert cache.cached_tokens() == 100
    assert cache.lookup(owner, [*range(50), -1]) is None
    assert cache.lookup(owner, [*range(1000, 1050), -1]) is not None


def test_a_longer_prompt_replaces_its_own_start_and_clear_forgets_an_owner() -> None:
    cache, owner = PrefixCache(1000), object()
    cache.store(owner, list(range(30)), _kv(30, 0.0))
    cache.store(owner, list(range(60)), _kv(60, 0.0))
    assert cache.cached_tokens() == 60
    cache.clear(owner)
    assert cache.cached_tokens() == 0


def test_a_copy_is_kept_not_the_live_buffer() -> None:
    cache, buffers = PrefixCache(1000), _kv(64, 3.0)
    cache.store(None, list(range(32)), buffers)
    buffers[0][:] = -1.0  # the next request overwrites its buffers
    hit = cache.lookup(None, [*range(32), 5])
    assert hit is not None and float(hit.arrays[0].min()) == 3.0
