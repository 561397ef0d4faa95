"""``score_text``: the engine's teacher-forced log-probabilities of a given text (the fluency check's scorer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from docai.services.models.base_model import BUNDLED_MODEL_NAME
from docai.services.models.hf_backend import HFTextGenerator
from docai.services.models.tiny import make_tiny_model

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Describe this product: Sage Mug, 350 ml, sage green."}]
TEXT = "Good mornings start here! The Sage Mug holds 350 ml."


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> HFTextGenerator:
    converted = REPO / ".cache" / "models" / BUNDLED_MODEL_NAME
    tokenizer_from = converted if (converted / "tokenizer.json").is_file() else None
    return HFTextGenerator.load(
        make_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer_from=tokenizer_from), device="cpu", dtype="float32"
    )


def test_scores_equal_one_full_forward_pass(backend: HFTextGenerator) -> None:
    scores = backend.score_text(MESSAGES, TEXT)
    tokenizer = backend._tokenizer
    prompt = backend._prompt_ids(MESSAGES)
    ids = tokenizer(TEXT, add_special_tokens=False)["input_ids"]
    assert len(scores) == len(ids)
    with torch.inference_mode():
        logits = backend._model(input_ids=torch.tensor([prompt + ids])).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    expected = [float(logprobs[len(prompt) - 1 + i, token]) for i, token in enumerate(ids)]
    assert scores == pytest.approx(expected, abs=1e-4)
    assert all(s <= 0 for s in scores)


def test_empty_text_scores_nothing(backend: HFTextGenerator) -> None:
    assert backend.score_text(MESSAGES, "") == []
