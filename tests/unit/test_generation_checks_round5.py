"""Publishable text, round 5 (issue 16): the checks added for what a blind reader turned down in round 4.

Scenes by category, a sunny-days text that never says "you", a shoe's sizes as a required measure,
"it's <a thing the product has>", a word said twice in a sentence, a broken idiom, a measure with
the verb of another dimension. Each has its false-alarm side: no catalogue training target and no
brand example trips it.
"""

from __future__ import annotations

import pytest

from docai.schemas.product import Product, ProductAttribute
from docai.services.generation.brands import BrandBook
from docai.services.generation.fluency import FluencyChecker
from docai.services.generation.repair import fact_sentence, plan_repair
from docai.services.generation.scorecard import addresses_reader, missing_facts, score_description
from docai.services.generation.slips import foreign_scenes, phrasing_slips
from docai.training.catalogue import CATEGORIES, generate_catalogue, generate_item


def _product(title: str, category: str, **facts: str) -> Product:
    return Product(
        title=title,
        category=category,
        attributes=tuple(ProductAttribute(key=k.replace("_", " "), value=v) for k, v in facts.items()),
    )


PACK = _product(
    "Sti Pack",
    "backpacks",
    volume="19 l",
    material="canvas",
    weight="900 g",
    colour="white",
    features="adjustable straps, padded laptop sleeve",
)
JACKET = _product("Fell Shell Jacket", "outdoor jackets", material="polyester", weight="650 g", colour="white")
LAMP = _product("Glim Desk Lamp", "lamps", material="brass", height="26 cm", light="10 W LED", colour="black")
RUNNER = _product(
    "Sko Runner",
    "sneakers",
    upper="cotton canvas",
    sole="rubber",
    weight="270 g per shoe",
    colour="navy",
    sizes="EU 38-47",
    features="vegan",
)
MUG = _product(
    "Kopp Mug", "mugs", material="porcelain", capacity="300 ml", colour="teal", care="dishwasher safe, microwave safe"
)
THROW = _product("Nap Throw", "blankets", material="fleece", size="150 x 180 cm", weight="1.3 kg", colour="mint green")


@pytest.fixture(scope="module")
def brands():
    return BrandBook.load()


def _spans(findings):
    return [f.span for f in findings]


# -- scenes belong to their category ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "product", "span"),
    [
        ("Fell Shell Jacket. Polyester, 650 g. White. Made for cold cabins.", JACKET, "cold cabins"),
        ("It weighs 270 g per shoe. You can keep going when the weather turns.", RUNNER, "weather"),
        ("It glows with a 10 W LED and is ready for all your spontaneous days out.", LAMP, "spontaneous days out"),
        ("It's time for all your spontaneous chats.", MUG, "spontaneous"),
        ("Time to get snug! The Glim Desk Lamp is brass.", LAMP, "get snug"),
    ],
)
def test_a_scene_of_another_category_is_found(text, product, span):
    assert span in _spans(foreign_scenes(text, product))


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Fell Shell Jacket. Polyester, 650 g. Now you can keep going when the weather turns.", JACKET),
        ("Nap Throw. Fleece, 150 x 180 cm, 1.3 kg. Made for cold cabins.", THROW),
        ("They're ready for all your spontaneous days out.", RUNNER),
        ("Hello, weekend adventures! You can curl up with a book.", LAMP),  # generic hook, shared scene
    ],
)
def test_a_scene_of_its_own_category_is_not_found(text, product):
    assert foreign_scenes(text, product) == []


# Catalogue lines a reader takes as generic ("Hello, weekend adventures!" on a throw passed round 4).
GENERIC_LINES = frozenset(
    {"Hello, weekend adventures!", "Say yes to every walk!", "Adventure is calling!", "Off you go!"}
)
# Categories whose scenes overlap: a line of the first also fits the others.
SHARED = {
    "sneakers": {"outdoor jackets", "backpacks", "bottles"},
    "backpacks": {"bottles"},
    "bottles": {"backpacks", "mugs"},
    "mugs": {"bottles"},
    "blankets": {"lamps", "mugs"},
}


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_specific_catalogue_line_is_a_cue_of_its_category(category):
    # The cues cover the catalogue's hooks and scenes: each specific line is borrowed
    # wherever it does not fit, and fits its own category.
    products = {name: generate_item(0, category=name).product for name in CATEGORIES}
    spec = CATEGORIES[category]
    for line in (*spec.hooks, *spec.scenes):
        if not line or line in GENERIC_LINES:
            continue
        assert foreign_scenes(line, products[category]) == [], line
        for other in set(CATEGORIES) - {category} - SHARED.get(category, set()):
            assert foreign_scenes(line, products[other]), (line, other)


# -- phrasing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "product", "span"),
    [
        ("Best of all, it's adjustable straps and a padded laptop sleeve.", PACK, "it's adjustable straps"),
        ("It's water-resistant, padded laptop sleeve.", PACK, "It's water-resistant, padded laptop sleeve"),
        ("It's time for all your slow chats and long chats.", MUG, "chats"),
        ("You can stroll from coffee to park to park.", RUNNER, "park"),
        ("You'll never be the same from now.", THROW, "from now"),
        ("It measures 560 g and is reflective.", JACKET, "measures 560 g"),
        ("It weighs 26 cm.", LAMP, "weighs 26 cm"),
    ],
)
def test_broken_phrasing_is_found(text, product, span):
    assert span in _spans(phrasing_slips(text, product))


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("It holds 19 l and weighs 900 g, with adjustable straps and a padded laptop sleeve.", PACK),
        ("It holds 300 ml and is dishwasher safe and microwave safe.", MUG),  # the facts say "safe" twice
        ("From now on, you'll want a second cup.", MUG),
        ("It measures 150 x 180 cm and weighs just 1.3 kg.", THROW),
        ("It stands 26 cm tall and glows with a 10 W LED.", LAMP),
        ("The Sko Runner has a cotton canvas upper and a rubber sole.", RUNNER),
    ],
)
def test_good_phrasing_is_not_found(text, product):
    assert phrasing_slips(text, product) == []


def test_phrasing_slips_fail_the_scorecard(brands):
    text = (
        "Hello, weekend days! The Sti Pack is made of canvas in a sunny white. It holds 19 l and weighs 900 g. "
        "Best of all, it's adjustable straps and a padded laptop sleeve. You can carry snacks and books."
    )
    card = score_description(text, product=PACK, brand=brands.get("sunny-days"), fluency=FluencyChecker())
    assert ("fluency", "it's adjustable straps") in [(v.kind, v.span) for v in card.errors()]


# -- a brand that talks to "you" -----------------------------------------------------------------


def test_a_sunny_days_text_without_you_fails_and_nordkraft_needs_none(brands):
    sunny, nordkraft = brands.get("sunny-days"), brands.get("nordkraft")
    text = "Hello, weekend adventures! The Fell Shell Jacket is made of polyester in a sunny white. It weighs 650 g."
    card = score_description(text, product=JACKET, brand=sunny)
    assert not card.passed and any(v.kind == "style" and "'you'" in v.detail for v in card.errors())
    assert score_description(text + " You can go.", product=JACKET, brand=sunny).passed
    assert score_description("Fell Shell Jacket. Polyester, 650 g. White.", product=JACKET, brand=nordkraft).passed


def test_the_cut_back_repair_keeps_the_only_you_sentence_or_leaves_it_to_the_retries(brands):
    sunny = brands.get("sunny-days")
    text = (
        "Hello, weekend adventures! The Fell Shell Jacket is made of polyester in a sunny white. "
        "It weighs 650 g and you can keep going when the"
    )
    card = score_description(text, product=JACKET, brand=sunny, fluency=FluencyChecker())
    assert plan_repair(text, card, JACKET, sunny, cut=True) is None  # cutting would leave no "you"
    kept = text.replace("It weighs 650 g and you can", "You'll love it. It weighs 650 g and you can")
    card = score_description(kept, product=JACKET, brand=sunny, fluency=FluencyChecker())
    plan = plan_repair(kept, card, JACKET, sunny, cut=True)
    assert plan is not None and plan.text.endswith("You'll love it.") and addresses_reader(plan.text)


# -- a shoe's sizes are a required measure --------------------------------------------------------


def test_sizes_are_required_and_appended_in_the_brand_register(brands):
    nordkraft, sunny = brands.get("nordkraft"), brands.get("sunny-days")
    text = "Sko Runner. Cotton canvas upper, rubber sole. 270 g per shoe. Vegan. Navy."
    assert missing_facts(text, RUNNER, nordkraft) == [("sizes", "EU 38-47")]
    assert missing_facts(text + " Sizes EU 38-47.", RUNNER, nordkraft) == []
    assert fact_sentence("sizes", "EU 38-47", nordkraft) == "Sizes EU 38-47."
    assert fact_sentence("sizes", "EU 38-47", sunny) == "It comes in sizes EU 38-47."
    card = score_description(text, product=RUNNER, brand=nordkraft, fluency=FluencyChecker())
    plan = plan_repair(text, card, RUNNER, nordkraft)
    assert plan is not None and plan.text == text + " Sizes EU 38-47."
    assert score_description(plan.text, product=RUNNER, brand=nordkraft, fluency=FluencyChecker()).passed


# -- the false-alarm side -------------------------------------------------------------------------


def test_no_catalogue_target_or_brand_example_trips_the_round5_checks(brands):
    for item in generate_catalogue(400, seed=0):
        for brand_id, text in item.targets.items():
            brand = brands.get(brand_id)
            assert phrasing_slips(text, item.product) == [], text
            assert foreign_scenes(text, item.product) == [], text
            assert missing_facts(text, item.product, brand) == [], text
            assert addresses_reader(text) if brand.second_person else addresses_reader(text) is None, text
    for brand in brands.list():
        for example in brand.examples:
            text = example.description
            assert phrasing_slips(text, example.product) == [], text
            assert foreign_scenes(text, example.product) == [], text
            assert missing_facts(text, example.product, brand) == [], text
            assert bool(addresses_reader(text)) == brand.second_person, text
