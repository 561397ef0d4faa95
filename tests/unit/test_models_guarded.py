"""Guarded decoding on a tiny random model: rejected words are rewound and never reach the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docai.services.models import GenerationRequest
from docai.services.models.base_model import BUNDLED_MODEL_NAME
from docai.services.models.guarded import _release_point
from docai.services.models.hf_backend import HFTextGenerator
from docai.services.models.tiny import make_tiny_model

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Describe the Krus mug: stoneware, 350 ml, blue."}]
# The random model repeats one token when greedy: seeded sampling gives it words to reject.
SAMPLED = {"temperature": 1.0, "seed": 7}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> HFTextGenerator:
    converted = REPO / "var" / "models" / BUNDLED_MODEL_NAME
    tokenizer_from = converted if (converted / "tokenizer.json").is_file() else None
    model_dir = make_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer_from=tokenizer_from)
    return HFTextGenerator.load(model_dir, device="cpu", dtype="float32")


def words_of(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}", text)


def rejecting(word: str):  # noqa: ANN201 - a Guard
    pattern = re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])")
    return lambda text: [(m.start(), m.end()) for m in pattern.finditer(text)]


def test_a_guard_that_rejects_nothing_changes_nothing(backend: HFTextGenerator) -> None:
    plain = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=24, **SAMPLED))
    guarded = backend.generate(
        GenerationRequest(messages=MESSAGES, max_new_tokens=24, guard=lambda text: [], **SAMPLED)
    )
    assert guarded.text == plain.text


def test_a_rejected_word_is_rewound_and_decoded_again(backend: HFTextGenerator) -> None:
    plain = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=40, **SAMPLED))
    candidates = [w for w in words_of(plain.text) if rejecting(w)(plain.text)]
    if not candidates:
        pytest.skip("the tiny model wrote no whole word to reject")
    word = candidates[0]
    guard = rejecting(word)
    guarded = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=40, guard=guard, **SAMPLED))
    assert guard(guarded.text) == []
    assert guarded.text != plain.text


def test_streaming_releases_the_same_text_as_generate(backend: HFTextGenerator) -> None:
    plain = backend.generate(GenerationRequest(messages=MESSAGES, max_new_tokens=40, **SAMPLED))
    word = next(iter(words_of(plain.text)), "zzz")
    request = GenerationRequest(messages=MESSAGES, max_new_tokens=40, guard=rejecting(word), **SAMPLED)
    assert "".join(backend.stream(request)) == backend.generate(request).text


def test_a_guard_and_a_schema_do_not_mix() -> None:
    with pytest.raises(ValueError, match="guard"):
        GenerationRequest(messages=MESSAGES, json_schema={"type": "object"}, guard=lambda text: [])


def test_the_last_words_are_held_back() -> None:
    assert _release_point("one two three four five", 4) == len("one ")
    assert _release_point("one two", 4) == 0


@pytest.mark.parametrize("words", [1, 3])
def test_a_span_that_keeps_coming_back_ends_the_text_where_it_starts(backend: HFTextGenerator, words: int) -> None:
    def everything_after_the_first_words(text: str) -> list[tuple[int, int]]:
        found = list(re.finditer(r"\S+", text))
        return [(found[words].start(), len(text))] if len(found) > words + 1 else []

    request = GenerationRequest(messages=MESSAGES, max_new_tokens=40, guard=everything_after_the_first_words, **SAMPLED)
    result = backend.generate(request)
    assert len(result.text.split()) <= words + 1 and result.finish_reason == "stop"
