"""The description service without gRPC: adapters, truncation, batches, feedback, voice."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.schemas.product import Product, ProductAttribute
from docai.services.common.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.service import DescriptionService, GenerationLimits
from docai.services.generation.voice import VoiceClassifier
from docai.services.models.fake_backend import FakeTextGenerator

MUG = Product(
    title="Krus Mug",
    attributes=(
        ProductAttribute(key="material", value="stoneware"),
        ProductAttribute(key="capacity", value="350 ml"),
        ProductAttribute(key="colour", value="white"),
    ),
)


@pytest.fixture
def service(tmp_path: Path) -> DescriptionService:
    backend = FakeTextGenerator(lambda request: "Krus Mug. Stoneware, 350 ml. White.")
    return DescriptionService(
        backend=backend,
        brands=BrandBook.load(),
        feedback=FeedbackStore(tmp_path / "feedback"),
        limits=GenerationLimits(max_raw_text_chars=200, max_batch=3),
    )


def test_uses_the_brand_adapter_only_when_loaded(service, tmp_path):
    assert service.generate(MUG, brand_id="nordkraft", tenant_id="t").adapter is None
    service.backend.load_adapter("brand-nordkraft", tmp_path)
    described = service.generate(MUG, brand_id="nordkraft", tenant_id="t")
    assert described.adapter == "brand-nordkraft"
    assert service.backend.requests[-1].adapter == "brand-nordkraft"
    assert service.generate(MUG, brand_id="sunny-days", tenant_id="t").adapter is None


def test_invented_text_is_flagged_not_returned_as_good(tmp_path):
    backend = FakeTextGenerator(lambda request: "Krus Mug. Porcelain, 500 ml. Red. The best in the world.")
    service = DescriptionService(backend=backend, brands=BrandBook.load(), feedback=FeedbackStore(tmp_path))
    card = service.generate(MUG, brand_id="nordkraft", tenant_id="t").scorecard
    assert not card.passed and not card.grounded
    assert {v.kind for v in card.errors()} >= {
        "ungrounded_material",
        "ungrounded_number",
        "ungrounded_colour",
        "banned_claim",
    }


def test_huge_raw_text_is_cut_and_said_so(service):
    huge = MUG.model_copy(update={"raw_text": " ".join(f"line{i}" for i in range(20_000))})
    described = service.generate(huge, brand_id="nordkraft", tenant_id="t")
    assert described.scorecard.input_truncated
    assert described.raw_text_chars_received == len(huge.raw_text) and described.raw_text_chars_used <= 200
    assert len(service.backend.requests[-1].messages[-1]["content"]) < 1500


def test_validation_errors(service):
    with pytest.raises(NotFoundError, match="brand 'nope'") as unknown:
        service.prepare(MUG, brand_id="nope")
    assert unknown.value.reason == "BRAND_NOT_FOUND"
    with pytest.raises(InvalidArgumentError, match="no title") as empty:
        service.prepare(Product(attributes=(ProductAttribute(key="colour", value=" "),)), brand_id="nordkraft")
    assert empty.value.reason == "EMPTY_PRODUCT"
    with pytest.raises(InvalidArgumentError, match="not both"):
        service.prepare(MUG.model_copy(update={"target_words": 10, "target_chars": 80}), brand_id="nordkraft")


def test_batch_fails_items_not_the_batch(service):
    items = service.batch([MUG, Product(), MUG], brand_id="nordkraft", tenant_id="t", request_id="b1")
    assert [i.state for i in items] == ["succeeded", "failed", "succeeded"]
    assert items[1].error_reason == "EMPTY_PRODUCT"
    assert items[2].description is not None and items[2].description.name == "brands/nordkraft/descriptions/b1-2"
    with pytest.raises(InvalidArgumentError, match="1 to 3") as too_many:
        service.batch([MUG] * 4, brand_id="nordkraft", tenant_id="t")
    assert too_many.value.reason == "INVALID_BATCH_SIZE"


def test_feedback_is_idempotent_durable_and_becomes_training_data(service, tmp_path):
    described = service.generate(MUG, brand_id="nordkraft", tenant_id="t", request_id="d1")
    edit = {"description": described.name, "verdict": "edited", "edited_text": "Krus Mug. Stoneware, 350 ml. White."}
    first = service.submit_feedback(tenant_id="t", request_id="f1", **edit)
    again = service.submit_feedback(tenant_id="t", request_id="f1", **edit)
    assert again.id == first.id and first.product == MUG and first.edited_scorecard.passed
    with pytest.raises(AlreadyExistsError, match="different request"):
        service.submit_feedback(tenant_id="t", request_id="f1", description=described.name, verdict="rejected")
    # A new store (a restart) reads the file back: same answer for the retry.
    reopened = FeedbackStore(tmp_path / "feedback")
    assert (
        reopened.submit(
            tenant_id="t",
            brand="nordkraft",
            description_id="d1",
            verdict="edited",
            request_id="f1",
            edited_text=edit["edited_text"],
        ).id
        == first.id
    )
    with open(tmp_path / "feedback" / "nordkraft.jsonl", "a") as torn:
        torn.write('{"id": "half')
    assert len(FeedbackStore(tmp_path / "feedback").records("nordkraft")) == 1
    brand = service.get_brand("nordkraft")
    examples = reopened.training_examples(brand, score=lambda text, product: service.score(text, product, brand))
    assert [e["completion"][0]["content"] for e in examples] == ["Krus Mug. Stoneware, 350 ml. White."]


def test_voice_classifier_separates_the_brands(service):
    assert service.voice is not None
    assert service.voice.predict("Trail Boot. Leather upper, 900 g. Waterproof.") == "nordkraft"
    assert service.voice.predict("Get ready for your next adventure! You'll love these boots.") == "sunny-days"
    with pytest.raises(ValueError, match="two brands"):
        VoiceClassifier.fit(["a", "b"], ["x", "x"])
