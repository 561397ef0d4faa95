"""Publishable text (issue 16): garbled facts, borrowed scenes and the grounded repair of dropped facts."""

from __future__ import annotations

import pytest

from docai.schemas.product import Description, Product, ProductAttribute
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.fluency import FluencyChecker
from docai.services.generation.repair import fact_sentence, plan_repair
from docai.services.generation.scorecard import grounding_guard, score_description
from docai.services.generation.service import DescriptionService, GenerationLimits
from docai.services.generation.slips import foreign_scenes, product_slips
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.catalogue import generate_catalogue


def _product(title: str, category: str, **facts: str) -> Product:
    return Product(
        title=title,
        category=category,
        attributes=tuple(ProductAttribute(key=k.replace("_", " "), value=v) for k, v in facts.items()),
    )


BOTTLE = _product(
    "Tarn Bottle",
    "bottles",
    material="tritan",
    capacity="1000 ml",
    weight="240 g",
    colour="teal",
    features="leak-proof, insulated",
    origin="made in Portugal",
)
KNIFE = _product(
    "Egg Chef Knife",
    "kitchen knives",
    blade="stainless steel",
    blade_length="22 cm",
    handle="beech wood",
    weight="190 g",
    features="hand-forged",
    care="hand wash only",
)
PACK = _product("Sti Pack", "backpacks", volume="19 l", material="canvas", weight="900 g", colour="white")
THROW = _product("Nap Throw", "blankets", material="linen", size="140 x 170 cm", weight="1.3 kg", colour="white")


@pytest.fixture(scope="module")
def brands():
    return BrandBook.load()


def _spans(findings):
    return [f.span for f in findings]


@pytest.mark.parametrize(
    ("text", "product", "span"),
    [
        ("Tarn Bottle. Tritan, 1000 ml, 240 g. Leaks-proof, insulated.", BOTTLE, "Leaks-proof"),  # near miss
        ("Tarn Bottle. Tritan, 1000 ml. 240 gum. Teal.", BOTTLE, "240 gum"),  # a unit turned into a word
        ("It holds 1000 ml and weighs 240.", BOTTLE, "240"),  # a unit dropped
        ("Egg Chef Knife. Stainless steel blade, 22 cm high. 190 g.", KNIFE, "22 cm high"),  # a length as a height
        ("Egg Chef Knife. Hand-forged handle. 190 g. Hand wash only. Hand-forged.", KNIFE, "Hand-forged"),  # said twice
        ("Tarn Bottle. Tritan, 1000 ml, 240 g. Teal. 240 g.", BOTTLE, "240 g"),  # a measure said twice
        ("Egg Chef Knife. Stainless steel blade, 22 cm handle. 190 g.", KNIFE, "22 cm handle"),  # another part
        ("Nap Throw. Linen, 140 cm high, 1.3 kg.", THROW, "140 cm high"),  # split out of its size
        ("Tarn Bottle. Tritan, 1000 ml, 240 g. Tear-free. Teal.", BOTTLE, "Tear-free"),  # a fragment the data lacks
        ("It's waterproof, with 240 g of just in there.", BOTTLE, "240 g of just in there"),  # a weight of nothing
    ],
)
def test_garbled_facts_are_found(text, product, span):
    assert span in _spans(product_slips(text, product))


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Tarn Bottle. Tritan, 1000 ml, 240 g. Leakproof, insulated. Teal. Made in Portugal.", BOTTLE),
        ("Egg Chef Knife. 22 cm stainless steel blade, beech wood handle. 190 g. Hand-forged.", KNIFE),
        ("The Egg Chef Knife has a 22 cm long blade and weighs 190 g.", KNIFE),
        ("Sti Pack. Canvas, 19 l, 900 g. White. Two padded straps.", PACK),
        ("Nap Throw. Linen, 140 x 170 cm, 1.3 kg. White.", THROW),
    ],
)
def test_facts_copied_right_are_not_slips(text, product):
    assert product_slips(text, product) == []


def test_a_scene_of_another_product_is_found_and_a_fitting_one_is_not():
    assert _spans(foreign_scenes("Hello, hydration! The Sti Pack holds 19 l.", PACK)) == ["hydration"]
    assert _spans(foreign_scenes("Hello, sofa days! The Egg Chef Knife is sharp.", KNIFE)) == ["sofa"]
    assert foreign_scenes("Hello, hydration! The Tarn Bottle holds 1000 ml.", BOTTLE) == []
    assert foreign_scenes("Hello, weekend adventures! You'll chop your way to dinner.", KNIFE) == []
    # An unknown kind of product has no foreign scenes.
    assert foreign_scenes("Hello, sofa days!", _product("Gizmo", "gadgets")) == []


def test_no_catalogue_target_or_brand_example_trips_the_checks(brands):
    # The false-alarm side: the texts the adapters learned from (not the held-out bench products).
    for item in generate_catalogue(160, seed=0):
        for text in item.targets.values():
            assert product_slips(text, item.product) == [] and foreign_scenes(text, item.product) == [], text
    for brand in brands.list():
        for example in brand.examples:
            assert product_slips(example.description, example.product) == [], example.description
            assert foreign_scenes(example.description, example.product) == [], example.description


def test_slips_fail_the_scorecard_and_the_guard_rewinds_them(brands):
    nordkraft, sunny = brands.get("nordkraft"), brands.get("sunny-days")
    card = score_description(
        "Egg Chef Knife. Stainless steel blade, 22 cm high. 190 g.",
        product=KNIFE,
        brand=nordkraft,
        fluency=FluencyChecker(),
    )
    assert ("fluency", "22 cm high") in [(v.kind, v.span) for v in card.errors()]
    card = score_description(
        "Hello, hydration! The Sti Pack is white canvas and holds 19 l. You can go.",
        product=PACK,
        brand=sunny,
        fluency=FluencyChecker(),
    )
    assert ("style", "hydration") in [(v.kind, v.span) for v in card.errors()]
    guard = grounding_guard(PACK, sunny, fluency=FluencyChecker())
    assert guard("Hello, hydration") == [(7, 16)]
    assert grounding_guard(KNIFE, nordkraft, fluency=FluencyChecker())("Egg Chef Knife. Blade, 22 cm high")
    assert (
        grounding_guard(BOTTLE, nordkraft, fluency=FluencyChecker())("Tarn Bottle. Tritan, 240") == []
    )  # its unit may follow
    throw_guard = grounding_guard(THROW, nordkraft, fluency=FluencyChecker())
    assert (
        throw_guard("Nap Throw. Linen, 140 x") == [] and throw_guard("Nap Throw. Linen, 140 x 170") == []
    )  # a size being written
    assert grounding_guard(PACK, sunny)("Hello, hydration") == []  # the old guard (no fluency) knows none of this


# -- the grounded repair ---------------------------------------------------------------------------


def test_a_dropped_fact_is_said_in_the_brands_register(brands):
    nordkraft, sunny = brands.get("nordkraft"), brands.get("sunny-days")
    assert fact_sentence("origin", "made in Portugal", nordkraft) == "Made in Portugal."
    assert fact_sentence("origin", "Handmade in Japan", sunny) == "And it's handmade in Japan."
    assert fact_sentence("origin", "Portugal", nordkraft) == "Made in Portugal."
    assert fact_sentence("capacity", "300 ml", sunny) == "It holds 300 ml."
    assert fact_sentence("upper", "leather", nordkraft) == "Leather upper."
    assert fact_sentence("weight", "240 g", nordkraft) == "240 g."


def test_only_a_text_whose_sole_errors_are_dropped_facts_is_repaired(brands):
    nordkraft = brands.get("nordkraft")
    good = "Tarn Bottle. Tritan, 1000 ml, 240 g. Leak-proof, insulated. Teal."
    card = score_description(good, product=BOTTLE, brand=nordkraft, fluency=FluencyChecker())
    plan = plan_repair(good, card, BOTTLE, nordkraft)
    assert (
        plan is not None
        and plan.text == good + " Made in Portugal."
        and plan.facts == (("origin", "made in Portugal"),)
    )
    assert score_description(plan.text, product=BOTTLE, brand=nordkraft, fluency=FluencyChecker()).passed
    garbled = good.replace("Leak-proof", "Leaks-proof")
    card = score_description(garbled, product=BOTTLE, brand=nordkraft, fluency=FluencyChecker())
    assert plan_repair(garbled, card, BOTTLE, nordkraft) is None


def _service(tmp_path, text: str, retries: int = 3) -> tuple[DescriptionService, list[object]]:
    requests: list[object] = []
    backend = FakeTextGenerator(lambda request: requests.append(request) or text)
    service = DescriptionService(
        backend=backend,
        brands=BrandBook.load(),
        feedback=FeedbackStore(tmp_path),
        guarded=False,
        fluency=FluencyChecker(),
        limits=GenerationLimits(retries=retries),
    )
    return service, requests


def test_a_streamed_text_gets_the_dropped_fact_as_a_last_piece_and_says_so(tmp_path):
    text = (
        "Hello, weekend adventures! The Tarn Bottle is made of tritan in a soft teal. "
        "It holds 1000 ml and weighs 240 g. You'll keep cool wherever you wander."
    )
    service, requests = _service(tmp_path, text)
    prepared = service.prepare(BOTTLE, brand_id="sunny-days", tenant_id="acme")
    items = list(service.run(prepared, tenant_id="acme"))
    pieces, description = items[:-1], items[-1]
    assert isinstance(description, Description)
    assert (
        pieces[-1] == " And it's made in Portugal."
        and "".join(p for p in pieces if isinstance(p, str)).strip() == description.text
    )
    assert description.scorecard.passed and len(requests) == 1
    [note] = [v for v in description.scorecard.violations if v.kind == "missing_fact"]
    assert note.severity == "warning" and note.span == "And it's made in Portugal." and "appended" in note.detail
    assert description.text[note.start : note.end] == note.span


def test_a_text_cut_mid_sentence_is_cut_back_and_completed_when_not_streamed(tmp_path):
    text = (
        "Coffee o'clock! Meet the Tarn Mug, made of porcelain in a soft teal. You'll want a second cup. "
        "It holds 300 ml, weighs just"
    )
    mug = _product("Tarn Mug", "mugs", material="porcelain", capacity="300 ml", colour="teal", care="dishwasher safe")
    service, _ = _service(tmp_path, text, retries=1)
    description = service.generate(mug, brand_id="sunny-days", tenant_id="acme")
    assert description.text == (
        "Coffee o'clock! Meet the Tarn Mug, made of porcelain in a soft teal. You'll want a second cup. "
        "It holds 300 ml."
    )
    assert description.scorecard.passed
    details = [v.detail for v in description.scorecard.violations if v.severity == "warning"]
    assert any("cut 'It holds 300 ml, weighs just'" in d for d in details)
    assert any("left out the capacity" in d for d in details)
    # The streamed form cannot take words back: it stays failed and says why.
    streamed = list(service.run(service.prepare(mug, brand_id="sunny-days", tenant_id="acme"), tenant_id="acme"))[-1]
    assert isinstance(streamed, Description) and not streamed.scorecard.passed


def test_when_retries_do_not_help_the_fullest_cut_text_is_completed(tmp_path):
    full = (
        "Hello, weekend adventures! The Tarn Bottle is made of tritan in a soft teal. You'll keep cool wherever "
        "you wander. It holds 1000 ml and weighs 240 g. And it's made in Portugal. Best of all, it's"
    )
    short = "Hello! The Tarn Bottle is made of tritan in a soft teal. It holds"
    backend = FakeTextGenerator(lambda request: short if request.temperature > 0 else full)
    service = DescriptionService(
        backend=backend,
        brands=BrandBook.load(),
        feedback=FeedbackStore(tmp_path),
        guarded=False,
        fluency=FluencyChecker(),
        limits=GenerationLimits(retries=2),
    )
    description = service.generate(BOTTLE, brand_id="sunny-days", tenant_id="acme")
    assert len(backend.requests) == 3  # the retries came first
    assert description.text == full.rsplit(" Best of all", 1)[0] and description.scorecard.passed


def test_an_explicitly_named_adapter_is_judged_unrepaired(tmp_path):
    # The training gate names the adapter it judges: the service adds nothing to its text.
    text = "Tarn Bottle. Tritan, 1000 ml, 240 g. Leak-proof, insulated. Teal."
    service, _ = _service(tmp_path, text)
    service.backend.load_adapter("brand-nordkraft@challenger", tmp_path)
    prepared = service.prepare(BOTTLE, brand_id="nordkraft", adapter="brand-nordkraft@challenger", tenant_id="gate")
    description = list(service.run(prepared, tenant_id="gate"))[-1]
    assert isinstance(description, Description)
    assert description.text == text and not description.scorecard.passed
