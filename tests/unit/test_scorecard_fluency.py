"""Publishable text (issue 16): fluency and required facts are hard checks of the description scorecard."""

from __future__ import annotations

import json

import pytest

from docai.schemas.product import Product, ProductAttribute
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.fluency import THRESHOLDS_FILE, FluencyChecker, FluencyThresholds
from docai.services.generation.scorecard import grounding_guard, required_facts, score_description
from docai.services.generation.service import DescriptionService, GenerationLimits
from docai.services.models.fake_backend import FakeTextGenerator

# The product of the issue: the sunny-days text dropped "Handmade in Portugal" and "350 ml".
MUG = Product(
    title="Sage Mug",
    category="mugs",
    attributes=(
        ProductAttribute(key="material", value="stoneware"),
        ProductAttribute(key="capacity", value="350 ml"),
        ProductAttribute(key="colour", value="sage green"),
        ProductAttribute(key="origin", value="Handmade in Portugal"),
    ),
    raw_text="sage green stoneware mug, 350ml, handmade in Portugal!!! free shipping",
)
# What the shipped adapter wrote (issue 16), the elided middle filled in with its own words.
GIBBERISH = (
    "Coffee olla, sopre, sopre! The Sage Mug comes in lovely sage green, so you can sip your "
    "favourite brew. It's made of sage green."
)
GOOD = (
    "Good mornings start here! The Sage Mug is made of stoneware in a soft sage green and holds "
    "350 ml of your favourite brew. Best of all, it's handmade in Portugal."
)


@pytest.fixture(scope="module")
def sunny():
    return BrandBook.load().get("sunny-days")


def _kinds(card):
    return {v.kind for v in card.errors()}


def test_the_issue_gibberish_fails_fluency(sunny):
    card = score_description(GIBBERISH, product=MUG, brand=sunny, fluency=FluencyChecker())
    assert not card.passed
    fluency = [v for v in card.errors() if v.kind == "fluency"]
    spans = {v.span for v in fluency}
    assert "sopre" in spans  # a made-up word
    assert "sage green" in spans  # a colour given as the material
    assert all(v.detail for v in fluency)
    # Without the fluency checks the same text gets through on style and grounding alone.
    assert "fluency" not in _kinds(score_description(GIBBERISH, product=MUG, brand=sunny))


def test_a_good_description_passes(sunny):
    card = score_description(GOOD, product=MUG, brand=sunny, fluency=FluencyChecker())
    assert card.passed, card.violations
    assert card.grounded and "fluency" not in _kinds(card)


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        (GOOD.replace("350 ml of ", ""), "capacity"),
        (GOOD.replace("handmade in", "made in"), "origin"),  # "made in Portugal" drops "Handmade"
        (GOOD.replace(" in a soft sage green", ""), "colour"),
    ],
)
def test_a_dropped_required_fact_fails_the_hard_check(sunny, text, fact):
    card = score_description(text, product=MUG, brand=sunny, fluency=FluencyChecker())
    missing = [v for v in card.errors() if v.kind == "missing_fact"]
    assert not card.passed
    assert [v.span for v in missing] == [fact]


def test_required_facts_come_from_the_brand_guide_and_aliases(sunny):
    assert required_facts(MUG, sunny) == [
        ("colour", "sage green"),
        ("material", "stoneware"),
        ("capacity", "350 ml"),
        ("origin", "Handmade in Portugal"),
    ]
    sneaker = Product(title="Runner", attributes=(ProductAttribute(key="upper", value="suede"),))
    assert required_facts(sneaker, sunny) == [("material", "suede")]


def test_handmade_in_grounds_made_in(sunny):
    card = score_description(
        GOOD.replace("handmade in Portugal", "handmade and made in Portugal"), product=MUG, brand=sunny
    )
    assert card.grounded, card.violations


def test_likelihood_below_the_calibrated_threshold_fails_with_the_reason(sunny):
    thresholds = FluencyThresholds.load()
    low = FluencyChecker(scorer=lambda messages, text: [thresholds.min_mean_logprob - 0.5] * 8)
    high = FluencyChecker(scorer=lambda messages, text: [thresholds.min_mean_logprob + 0.5] * 8)
    failed = score_description(GOOD, product=MUG, brand=sunny, fluency=low)
    assert not failed.passed
    assert failed.fluency == pytest.approx(thresholds.min_mean_logprob - 0.5)
    assert any("log-likelihood" in v.detail for v in failed.errors() if v.kind == "fluency")
    passed = score_description(GOOD, product=MUG, brand=sunny, fluency=high)
    assert passed.passed and passed.fluency == pytest.approx(thresholds.min_mean_logprob + 0.5)


def test_the_scorer_sees_the_product_facts_and_the_text(sunny):
    seen = []
    checker = FluencyChecker(scorer=lambda messages, text: seen.append((messages, text)) or [-1.0])
    score_description(GOOD, product=MUG, brand=sunny, fluency=checker)
    ((messages, text),) = seen
    assert text == GOOD and "capacity: 350 ml" in messages[-1]["content"]


def test_thresholds_are_loaded_from_the_calibrated_file(tmp_path):
    shipped = json.loads(THRESHOLDS_FILE.read_text())
    loaded = FluencyThresholds.load()
    assert loaded.min_zipf == shipped["thresholds"]["min_zipf"]
    assert loaded.min_mean_logprob == shipped["thresholds"]["min_mean_logprob"]
    # The file says what it was fitted on (never the held-out products) and how it did on texts it was not fitted on.
    assert "held-out" in shipped["data"]["good"]
    assert shipped["validation"]["good"] > 0 and shipped["validation"]["bad"] > 0
    # A checker reads whatever the file says: with a cut-off of 0 no word is ever made up.
    lax = tmp_path / "thresholds.json"
    lax.write_text(json.dumps({"thresholds": shipped["thresholds"] | {"min_zipf": 0.0}}))
    assert not FluencyChecker(thresholds=FluencyThresholds.load(lax)).nonwords("sopre olla")
    assert FluencyChecker().nonwords("sopre olla")


def test_guarded_decoding_rewinds_made_up_words_and_stutters(sunny):
    guard = grounding_guard(MUG, sunny, fluency=FluencyChecker())
    text = "Coffee time, sopre! "
    assert (text.index("sopre"), text.index("sopre") + 5) in guard(text)
    stutter = "Good mornings, mornings "
    assert guard(stutter)
    assert guard("Good mornings start here! The Sage Mug is made of stoneware ") == []
    # Without fluency the guard only knows grounding and bans.
    assert grounding_guard(MUG, sunny)("Coffee time, sopre! ") == []


def test_the_service_retries_a_failed_description_and_keeps_the_best(tmp_path):
    requests = []

    def handler(request):
        requests.append(request)
        # A stutter is not repairable: the service samples again.
        return GOOD if request.temperature > 0 else GOOD.replace("stoneware", "stoneware stoneware")

    service = DescriptionService(
        backend=FakeTextGenerator(handler),
        brands=BrandBook.load(),
        feedback=FeedbackStore(tmp_path),
        guarded=False,
        fluency=FluencyChecker(),
    )
    description = service.generate(MUG, brand_id="sunny-days", tenant_id="acme")
    assert description.scorecard.passed and description.text == GOOD
    assert [r.temperature for r in requests] == [0.0, 0.5]


def test_the_service_returns_the_failure_clearly_when_retries_do_not_help(tmp_path):
    requests = []
    stutter = GOOD.replace("350 ml of ", "").replace("stoneware", "stoneware stoneware")
    backend = FakeTextGenerator(lambda request: requests.append(request) or stutter)
    service = DescriptionService(
        backend=backend,
        brands=BrandBook.load(),
        feedback=FeedbackStore(tmp_path),
        guarded=False,
        fluency=FluencyChecker(),
        limits=GenerationLimits(retries=2),
    )
    description = service.generate(MUG, brand_id="sunny-days", tenant_id="acme")
    assert len(requests) == 3
    assert not description.scorecard.passed
    # Not repaired either: the missing capacity is not its only error.
    assert description.text == stutter
    assert sorted((v.kind, v.span) for v in description.scorecard.errors()) == [
        ("fluency", "stoneware"),
        ("missing_fact", "capacity"),
    ]


def test_a_text_cut_mid_sentence_fails_fluency(sunny):
    cut = GOOD.rsplit(" ", 3)[0]  # "... Best of all, it's"
    card = score_description(cut, product=MUG, brand=sunny, fluency=FluencyChecker())
    assert any(v.kind == "fluency" and "mid-sentence" in v.detail for v in card.errors())
    assert not any(
        "mid-sentence" in v.detail
        for v in score_description(GOOD, product=MUG, brand=sunny, fluency=FluencyChecker()).violations
    )
