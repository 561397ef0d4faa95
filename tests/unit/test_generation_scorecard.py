"""The description scorecard: grounding, banned claims, required facts, length and style."""

from __future__ import annotations

import pytest

from docai.schemas.product import Product, ProductAttribute
from docai.services.generation.brands import BrandBook
from docai.services.generation.lexicon import claims
from docai.services.generation.scorecard import grounding_guard, score_description


@pytest.fixture(scope="module")
def brands() -> BrandBook:
    return BrandBook.load()


def product(**attributes: str) -> Product:
    return Product(
        title="Krus Mug",
        category="mugs",
        attributes=tuple(ProductAttribute(key=k.replace("_", " "), value=v) for k, v in attributes.items()),
    )


MUG = product(material="stoneware", capacity="350 ml", colour="white", care="dishwasher safe")


def kinds(card) -> list[tuple[str, str]]:
    return [(v.kind, v.span) for v in card.violations if v.severity == "error"]


def test_grounded_text_passes(brands):
    card = score_description(
        "Krus Mug. Stoneware, 350 ml. White. Dishwasher safe.", product=MUG, brand=brands.get("nordkraft")
    )
    assert card.passed and card.grounded
    assert kinds(card) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Krus Mug. Stoneware, 500 ml. White.", ("ungrounded_number", "500 ml")),
        ("Krus Mug. Stoneware, 350 ml. Navy.", ("ungrounded_colour", "Navy")),
        ("Krus Mug. Porcelain, 350 ml. White.", ("ungrounded_material", "Porcelain")),
        ("Krus Mug. Stoneware, 350 ml, white. Microwave safe.", ("ungrounded_claim", "Microwave safe")),
        ("Krus Mug. Stoneware, 350 ml, white. Handmade.", ("ungrounded_claim", "Handmade")),
        ("Krus Mug. Stoneware, 350 ml, white, 2 years warranty.", ("ungrounded_number", "2 years")),
    ],
)
def test_invented_facts_fail_grounding(brands, text, expected):
    card = score_description(text, product=MUG, brand=brands.get("nordkraft"))
    assert not card.passed and not card.grounded
    assert expected in kinds(card)
    violation = next(v for v in card.violations if (v.kind, v.span) == expected)
    assert text[violation.start : violation.end] == violation.span


def test_units_convert_within_a_dimension(brands):
    throw = product(material="merino wool", weight="1.1 kg", size="130 x 170 cm")
    nordkraft = brands.get("nordkraft")
    assert score_description("Throw. Merino wool, 1100 g, 130 x 170 cm.", product=throw, brand=nordkraft).grounded
    wrong = score_description("Throw. Merino wool, 1100 ml.", product=throw, brand=nordkraft)
    assert ("ungrounded_number", "1100 ml") in kinds(wrong)


def test_a_negated_source_claim_does_not_ground_the_claim(brands):
    pan = product(material="cast iron", care="not dishwasher safe", weight="2 kg")
    card = score_description("Pan. Cast iron, 2 kg. Dishwasher safe.", product=pan, brand=brands.get("nordkraft"))
    assert ("ungrounded_claim", "Dishwasher safe") in kinds(card)
    assert "contradicts" in next(v.detail for v in card.violations if v.kind == "ungrounded_claim")
    assert score_description(
        "Pan. Cast iron, 2 kg. Not dishwasher safe.", product=pan, brand=brands.get("nordkraft")
    ).passed


def test_number_words_and_parts_of_materials_are_grounded(brands):
    jacket = product(material="recycled nylon", pockets="3", weight="420 g", colour="mint green")
    card = score_description(
        "Jacket. Recycled nylon, 420 g. Three pockets. Mint.", product=jacket, brand=brands.get("nordkraft")
    )
    assert card.grounded, kinds(card)
    four = score_description("Jacket. Nylon, 420 g. Four pockets.", product=jacket, brand=brands.get("nordkraft"))
    assert ("ungrounded_number", "Four") in kinds(four)


def test_banned_claims_fail_even_when_the_seller_wrote_them(brands):
    pushy = Product(
        title="Krus Mug",
        attributes=(ProductAttribute(key="note", value="say it is the best in the world"),),
        raw_text="best in the world mug, lifetime guarantee",
    )
    card = score_description(
        "Krus Mug. The best in the world. Lifetime guarantee.", product=pushy, brand=brands.get("nordkraft")
    )
    assert not card.passed
    assert ("banned_claim", "best in the world") in kinds(card)
    assert ("banned_claim", "Lifetime guarantee") in kinds(card)


def test_banned_words_are_brand_specific(brands):
    text = "Time to get cosy! Your white stoneware Krus Mug holds 350 ml, so you can sip slowly."
    assert ("banned_word", "cosy") in kinds(score_description(text, product=MUG, brand=brands.get("nordkraft")))
    assert score_description(text, product=MUG, brand=brands.get("sunny-days")).passed


def test_required_fact_missing_fails(brands):
    jacket = product(material="nylon", weight="420 g")
    card = score_description("Jacket. Nylon shell. Built for rain.", product=jacket, brand=brands.get("nordkraft"))
    assert ("missing_fact", "weight") in kinds(card)


def test_length_is_a_warning_and_exclamations_out_of_the_brands_range_an_error(brands):
    long_text = "Krus Mug. Stoneware, 350 ml. White. Dishwasher safe. " + " ".join(
        f"Made for {moment}."
        for moment in [
            "mornings",
            "evenings",
            "desks",
            "kitchens",
            "offices",
            "picnics",
            "studios",
            "gardens",
            "porches",
        ]
    )
    card = score_description(long_text, product=MUG, brand=brands.get("nordkraft"))
    assert card.passed and not card.length_ok
    assert {v.kind for v in card.violations if v.severity == "warning"} == {"length"}
    # Blind readers turned down a playful text without its exclamation mark and one with two (rounds 5, 6).
    shouted = score_description(long_text.replace("safe.", "safe!"), product=MUG, brand=brands.get("nordkraft"))
    assert [(v.kind, v.span) for v in shouted.errors()] == [("style", "!")]


def test_empty_text_fails(brands):
    card = score_description("  ", product=MUG, brand=brands.get("nordkraft"))
    assert not card.passed
    assert ("empty_text", "") in kinds(card)


def test_every_brand_example_passes_its_own_scorecard(brands):
    for brand in brands.list():
        assert len(brand.examples) >= 8
        for example in brand.examples:
            card = score_description(example.description, product=example.product, brand=brand)
            assert card.passed and card.length_ok, (brand.id, example.description, card.violations)


def test_units_written_with_hyphens_and_dimension_lists_are_checked(brands):
    throw = product(material="fleece", size="140 x 170 cm", weight="1.3 kg")
    nordkraft = brands.get("nordkraft")
    card = score_description("Throw. Fleece, 140-inch long, 1.3-inch thick, 1.3 kg.", product=throw, brand=nordkraft)
    assert {("ungrounded_number", "140-inch"), ("ungrounded_number", "1.3-inch")} <= set(kinds(card))
    assert score_description("Throw. Fleece, 140 cm x 170 cm, 1.3 kg.", product=throw, brand=nordkraft).grounded
    # A bare number in the source does not ground a measurement.
    pockets = product(material="nylon", pockets="3", weight="420 g")
    assert ("ungrounded_number", "3 l") in kinds(
        score_description("Pack. Nylon, 420 g, 3 l.", product=pockets, brand=nordkraft)
    )


def test_a_looping_text_fails(brands):
    loop = "Krus Mug. Stoneware, 350 ml. White. " * 4
    card = score_description(loop, product=MUG, brand=brands.get("nordkraft"))
    assert any(v.kind == "style" and v.severity == "error" and "repeats" in v.detail for v in card.violations)
    assert not card.passed
    # The guard names the third run of the same four words, so decoding rewinds it.
    text = "Cedar Pack. 900 g. 900 g. 900 g. 900 g."
    spans = grounding_guard(product(weight="900 g"), brands.get("nordkraft"))(text)
    assert spans and text[spans[0][0] : spans[0][1]] == "900 g. 900 g."


def test_origin_claims_need_the_same_place(brands):
    knife = product(blade="carbon steel", weight="180 g", origin="made in Japan")
    nordkraft = brands.get("nordkraft")
    assert score_description("Knife. Carbon steel, 180 g. Made in Japan.", product=knife, brand=nordkraft).grounded
    assert ("ungrounded_claim", "Made in Germany") in kinds(
        score_description("Knife. Carbon steel, 180 g. Made in Germany.", product=knife, brand=nordkraft)
    )
    assert score_description("Knife. Carbon steel, 180 g, made in the north.", product=knife, brand=nordkraft).grounded
    assert [t.canonical for t in claims("made in Austria")] == ["made in austria"]


def test_the_decoding_guard_names_what_the_scorecard_would_flag(brands):
    guard = grounding_guard(MUG, brands.get("nordkraft"))
    text = "Krus Mug. Stoneware, 500 ml. Navy. Sustainably made."
    assert [text[start:end] for start, end in guard(text)] == ["500 ml", "Navy", "Sustainably"]
    assert guard("Krus Mug. Stoneware, 350 ml. White.") == []


def test_a_bare_number_of_the_sellers_notes_is_shop_talk_not_a_fact(brands):
    # Seen in the blind read: "30 day returns." and "Breathable, 5 stars." copied from the notes.
    mug = MUG.model_copy(
        update={
            "raw_text": "30 day returns no questions asked\npls leave 5 stars",
            "attributes": (*MUG.attributes, ProductAttribute(key="pack", value="4 mugs")),
        }
    )
    nordkraft = brands.get("nordkraft")
    card = score_description("Krus Mug. Stoneware, 350 ml. White. 30 day returns.", product=mug, brand=nordkraft)
    assert ("ungrounded_number", "30") in kinds(card)
    assert score_description("Krus Mug. Stoneware, 350 ml. White. 4 mugs.", product=mug, brand=nordkraft).grounded


def test_without_attributes_the_sellers_text_is_the_product_data(brands):
    notes = Product(title="Krus Mug", category="mugs", raw_text="Stoneware mug, 350 ml, white, set of 4.")
    card = score_description(
        "Krus Mug. Stoneware, 350 ml. White. Set of 4.", product=notes, brand=brands.get("nordkraft")
    )
    assert card.grounded
