"""Publishable text, round 7 (issue 16): checks for what the blind readers of rounds 5 and 6 turned down
in texts that passed the scorecard.

A value said twice, a measuring verb with no measure, the wrong article, a bare connective, a hook
that names another thing, a shade that is no colour of the data, a borrowed bottle or shoe line, and
the playful brand's one exclamation mark. Each has its false-alarm side: a correct text passes, and
no catalogue target or brand example trips any of them (``test_generation_checks_round5.py`` and
``test_generation_slips.py`` run every check over the catalogue).
"""

from __future__ import annotations

import pytest

from docai.schemas.product import Product, ProductAttribute
from docai.services.generation.brands import BrandBook
from docai.services.generation.fluency import FluencyChecker
from docai.services.generation.scorecard import score_description
from docai.services.generation.slips import foreign_scenes, indefinite_article, phrasing_slips, product_slips


def _product(title: str, category: str, **facts: str) -> Product:
    return Product(
        title=title,
        category=category,
        attributes=tuple(ProductAttribute(key=k.replace("_", " "), value=v) for k, v in facts.items()),
    )


MUG = _product("Tundra Mug", "mugs", material="enamel", capacity="400 ml", colour="pink", care="dishwasher safe")
THROW = _product("Drift Throw", "blankets", material="linen", size="130 x 160 cm", weight="0.9 kg", colour="grey")
KNIFE = _product(
    "Breeze Chef Knife", "kitchen knives", blade="damascus steel", blade_length="18 cm", handle="oak", weight="140 g"
)
JACKET = _product(
    "Tundra Shell Jacket", "outdoor jackets", material="polyester", weight="440 g", colour="mint green",
    features="taped seams, reflective", pockets="5",
)  # fmt: skip
RUNNER = _product(
    "Orbit Runner", "sneakers", upper="suede", sole="rubber", weight="370 g per shoe", colour="charcoal",
    sizes="EU 37-47",
)  # fmt: skip
GRIPPY_RUNNER = _product(
    "Orbit Runner", "sneakers", upper="suede", sole="rubber", colour="charcoal", features="non-slip"
)
PACK = _product("Orbit Pack", "backpacks", volume="33 l", material="nylon", weight="1100 g", colour="charcoal")
SLEEVED_PACK = _product("Tundra Pack", "backpacks", volume="33 l", material="nylon", features="padded laptop sleeve")
SWEDISH_LAMP = _product("Maple Desk Lamp", "lamps", material="ceramic", colour="cream", origin="made in Sweden")
LAMP = _product("Maple Desk Lamp", "lamps", material="ceramic", height="35 cm", light="8 W LED", colour="black")
BOTTLE = _product("Vann Bottle", "bottles", material="stainless steel", capacity="750 ml", colour="teal")


def _spans(findings):
    return [f.span for f in findings]


@pytest.mark.parametrize(
    ("text", "product", "span"),
    [
        # Said twice (round 5: "Pink. Dishwasher. Pink."; round 6: grey linen said again).
        ("Tundra Mug. Enamel, 400 ml. Dishwasher safe. Pink. Dishwasher. Pink.", MUG, "Pink"),
        # A part's material on another part; a terse list with a word of no data.
        ("The Harbor Chef Knife pairs a 15 cm blade with a damascus steel handle.", KNIFE, "damascus steel handle"),
        ("Orbit Runner. Suede upper, rubber sole. Non-slip, non-adhesive.", GRIPPY_RUNNER, "non-adhesive"),
        ("The Drift Throw comes in sunny grey linen. It's made of linen in a soft grey.", THROW, "linen"),
        ("The Drift Throw comes in sunny grey linen. It's made of linen in a soft grey.", THROW, "grey"),
    ],
)
def test_a_value_said_again_is_found(text, product, span):
    assert span in _spans(product_slips(text, product))


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Tundra Mug. Enamel, 400 ml. Dishwasher safe. Pink.", MUG),
        ("Breeze Chef Knife. 18 cm damascus steel blade, oak handle. 140 g.", KNIFE),
        ("Orbit Runner. Suede upper, rubber sole. Non-slip, charcoal.", GRIPPY_RUNNER),
        ("The Vann Bottle comes in soft teal stainless steel. It holds 750 ml.", BOTTLE),
        ("The Drift Throw comes in sunny grey linen. It measures 130 x 160 cm and weighs 0.9 kg.", THROW),
    ],
)
def test_each_value_said_once_is_not_found(text, product):
    assert product_slips(text, product) == []


@pytest.mark.parametrize(
    ("text", "product", "span"),
    [
        ("Canyon Mug. Glass, 450 ml. Hand wash only. Holds mustard yellow.", MUG, "Holds mustard yellow"),
        ("They weigh 370 g per shoe and measure 37-47.", RUNNER, "measure 37-47"),
        ("The Breeze Chef Knife pairs a 18 cm damascus steel blade with an oak handle.", KNIFE, "a 18"),
        ("It glows with a 8 W LED.", LAMP, "a 8"),
        ("It weighs just 440 g and has reflective pores and a taped seams.", JACKET, "a taped seams"),
        ("Coffee o'clock! Best of all. It holds 400 ml.", MUG, "Best of all."),
        ("Your new favourite book is here! It's an Orbit Pack.", PACK, "favourite book"),
        ("The Tundra Shell Jacket is made of polyester in a happy melon.", JACKET, "melon"),
        ("It holds 33 l and is padded with a laptop sleeve.", SLEEVED_PACK, "padded with a laptop sleeve"),
        ("Hello, weekend! The Maple Desk Lamp is made of ceramic in a sunny Sweden.", SWEDISH_LAMP, "Sweden"),
        ("It's too. You can curl up with a good book.", THROW, "It's too."),
        ("It's glows with an 8 W LED.", LAMP, "It's glows"),
    ],
)
def test_broken_phrasing_of_round_7_is_found(text, product, span):
    assert span in _spans(phrasing_slips(text, product))


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("It measures 130 x 160 cm and weighs 0.9 kg.", THROW),
        ("It holds up to 33 l and weighs 1100 g.", PACK),
        ("The Breeze Chef Knife pairs an 18 cm damascus steel blade with an oak handle.", KNIFE),
        ("It glows with an 8 W LED and stands 35 cm tall.", LAMP),
        ("It weighs just 440 g, with taped seams and 5 pockets.", JACKET),
        ("Best of all, it's made in Portugal.", MUG),
        ("Your new favourite pair is here! The Orbit Runner comes in sizes EU 37-47.", RUNNER),
        ("Your new favourite mug is here!", MUG),
        ("The Tundra Shell Jacket is made of polyester in a happy mint green.", JACKET),
        ("It holds 33 l, with a padded laptop sleeve.", SLEEVED_PACK),
    ],
)
def test_good_phrasing_of_round_7_is_not_found(text, product):
    assert phrasing_slips(text, product) == []


@pytest.mark.parametrize(
    ("phrase", "article"),
    [("18 cm", "an"), ("8 W LED", "an"), ("11 cm", "an"), ("15 cm", "a"), ("800 ml", "an"), ("oak", "an")],
)
def test_the_article_is_chosen_by_sound(phrase, article):
    assert indefinite_article(phrase) == article


@pytest.mark.parametrize(
    ("text", "product", "span"),
    [
        ("You'll keep cool wherever you roam.", MUG, "keep cool"),
        ("You can keep a cup of coffee or tea in each.", JACKET, "cup of coffee"),
        ("You'll want a second pair, just in the right shade.", LAMP, "second pair"),
        ("Let's get baking!", BOTTLE, "baking"),
        ("Your weekend plans just found their socks.", THROW, "socks"),
    ],
)
def test_a_bottle_mug_or_shoe_line_elsewhere_is_borrowed(text, product, span):
    assert span in _spans(foreign_scenes(text, product))


def test_a_bottle_line_on_a_bottle_and_a_second_pair_of_shoes_are_their_own():
    assert foreign_scenes("You'll keep cool wherever you roam.", BOTTLE) == []
    assert foreign_scenes("You'll want a second pair.", RUNNER) == []


def test_round_7_slips_fail_the_scorecard_and_the_corrected_text_passes():
    sunny = BrandBook.load().get("sunny-days")
    fluency = FluencyChecker()
    bad = (
        "Hello, weekend adventures! The Tundra Shell Jacket is made of polyester in a happy melon. "
        "It weighs just 440 g and has 5 pockets and a taped seams. You'll keep going, whatever the weather."
    )
    card = score_description(bad, product=JACKET, brand=sunny, fluency=fluency)
    assert {"melon", "a taped seams"} <= {v.span for v in card.errors()}
    good = (
        "Hello, weekend adventures! The Tundra Shell Jacket is made of polyester in a happy mint green. "
        "It weighs just 440 g, has 5 pockets and is reflective, with taped seams. "
        "You'll keep going, whatever the weather."
    )
    assert score_description(good, product=JACKET, brand=sunny, fluency=fluency).passed


def test_a_list_that_stops_after_a_whole_item_is_closed_and_completed():
    # The retrained terse adapter stops glass mugs at "Glass, 350 ml," when the guard rewinds every
    # measure it wants to add; cutting back to the sentence before would leave only the name.
    from docai.services.generation.repair import plan_repair

    nordkraft = BrandBook.load().get("nordkraft")
    mug = _product("Aurora Mug", "mugs", material="glass", capacity="350 ml", colour="black", origin="made in Sweden")
    text = "Aurora Mug. Glass, 350 ml,"
    card = score_description(text, product=mug, brand=nordkraft, fluency=FluencyChecker())
    plan = plan_repair(text, card, mug, nordkraft, cut=True)
    assert plan is not None and plan.text == "Aurora Mug. Glass, 350 ml. Made in Sweden."
    assert score_description(plan.text, product=mug, brand=nordkraft, fluency=FluencyChecker()).passed
