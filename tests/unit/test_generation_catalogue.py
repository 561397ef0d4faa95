"""The synthetic catalogue: deterministic, grounded targets, held-out split, SFT format."""

from __future__ import annotations

from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.scorecard import score_description
from docai.services.generation.service import DescriptionService
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.catalogue import CATEGORIES, brand_sft_examples, generate_catalogue, heldout_catalogue


def test_same_seed_same_catalogue_other_seed_other_catalogue():
    assert generate_catalogue(12, seed=3) == generate_catalogue(12, seed=3)
    assert generate_catalogue(12, seed=3) != generate_catalogue(12, seed=4)
    assert {item.product.category for item in generate_catalogue(len(CATEGORIES))} == set(CATEGORIES)


def test_targets_use_only_grounded_facts_in_each_voice():
    brands = BrandBook.load()
    for item in generate_catalogue(64, seed=1):
        assert len(item.product.raw_text) > 150  # noisy seller text, not just the facts
        for brand_id, text in item.targets.items():
            card = score_description(text, product=item.product, brand=brands.get(brand_id))
            assert card.passed and card.length_ok, (brand_id, text, card.violations)
        assert "!" not in item.targets["nordkraft"]
        assert item.targets["sunny-days"].count("!") == 1


def test_heldout_items_are_not_training_items():
    train = {(i.product.title, i.product.raw_text) for i in generate_catalogue(200)}
    held = {(i.product.title, i.product.raw_text) for i in heldout_catalogue(20)}
    assert not train & held


def test_sft_records_use_the_inference_prompt(tmp_path):
    brands = BrandBook.load()
    split = brand_sft_examples("sunny-days", n=20, brands=brands)
    assert (len(split.train), len(split.heldout)) == (18, 2)
    record = split.train[0]
    item = generate_catalogue(1)[0]
    # The prompt the service sends once the brand's adapter serves it.
    backend = FakeTextGenerator(lambda request: "")
    backend.load_adapter("brand-sunny-days", tmp_path)
    service = DescriptionService(backend=backend, brands=brands, feedback=FeedbackStore(tmp_path))
    assert record["prompt"] == service.prepare(item.product, brand_id="sunny-days").request.messages
    assert record["completion"] == [{"role": "assistant", "content": item.targets["sunny-days"]}]


def test_targets_state_every_required_fact_and_read_fluently():
    from docai.services.generation.fluency import FluencyChecker, brand_words
    from docai.services.generation.scorecard import required_facts

    brands = BrandBook.load()
    checker = FluencyChecker()
    items = generate_catalogue(48, seed=2)
    assert any(item.product.attribute("origin") for item in items)  # "made in Portugal" and the like
    for item in items:
        for brand_id, text in item.targets.items():
            brand = brands.get(brand_id)
            assert required_facts(item.product, brand)
            card = score_description(text, product=item.product, brand=brand, fluency=checker)
            assert not [v for v in card.violations if v.kind in ("missing_fact", "fluency")], (text, card.violations)
            report = checker.check(text, product=item.product, known=brand_words(brand))
            assert not report.repeats and not report.misused, text
