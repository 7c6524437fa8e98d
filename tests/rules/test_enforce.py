"""Repairs: `enforce` returns a response that its own check accepts, or None where no honest edit exists."""

import pytest

from rnr_dspy.rules.checkers import REGISTRY

RESPONSES = [
    "Sure, here is a plan. First, warm up for ten minutes! Then run at an easy pace, and breathe. Finally, stretch.",
    "- Pack light\n- Bring a rain jacket, boots and a hat\n- Check the weather, twice",
    "1. Preheat the oven.\n2. Mix the flour, sugar and eggs.\n3. Bake for 20 minutes.",
    "One short line without a terminator",
]

REPAIRABLE = [
    {"name": "starts_with", "phrase": "Good question"},
    {"name": "ends_with", "phrase": "Happy cooking!"},
    {"name": "no_commas"},
    {"name": "all_lowercase"},
    {"name": "all_uppercase"},
    {"name": "no_exclamation"},
    {"name": "quoted"},
    {"name": "max_words", "limit": 12},
    {"name": "max_sentences", "limit": 2},
    {"name": "max_characters", "limit": 60},
    {"name": "bullet_list", "min_items": 2},
    {"name": "numbered_list", "min_items": 2},
    {"name": "bullet_count", "count": 2},
    {"name": "paragraphs", "count": 2},
    {"name": "postscript", "marker": "P.S."},
    {"name": "forbidden_words", "words": ["weather", "oven"]},
    {"name": "mentions_name", "persona": "Captain Kit"},
    {"name": "sign_off", "phrase": "Cheers, Kit"},
    {"name": "refusal_phrase", "phrase": "Sorry, I can only help with travel."},
]


@pytest.mark.parametrize("params", REPAIRABLE, ids=lambda params: params["name"])
@pytest.mark.parametrize("response", RESPONSES)
def test_a_repair_is_accepted_by_its_own_check(params, response):
    check = REGISTRY[params["name"]].model_validate(params)
    repaired = check.enforce(response)
    if repaired is not None:
        assert check.evaluate(repaired).followed, (repaired, check.evaluate(repaired).reason)


@pytest.mark.parametrize("params", REPAIRABLE, ids=lambda params: params["name"])
def test_repairs_exist_for_an_ordinary_answer(params):
    assert REGISTRY[params["name"]].model_validate(params).enforce(RESPONSES[0]) is not None


def test_an_opening_before_a_list_goes_on_its_own_line():
    repaired = REGISTRY["starts_with"](phrase="Right away").enforce(RESPONSES[2])
    assert repaired.startswith("Right away\n1. Preheat the oven.")
    assert REGISTRY["numbered_list"](min_items=3).evaluate(repaired).followed


def test_length_repairs_keep_whole_leading_sentences():
    check = REGISTRY["max_words"](limit=12)
    assert check.enforce(RESPONSES[0]) == "Sure, here is a plan. First, warm up for ten minutes!"


def test_no_repair_where_it_would_invent_content():
    assert REGISTRY["include_keywords"](keywords=["tempo"]).enforce(RESPONSES[0]) is None
    assert REGISTRY["numbered_list"](min_items=5).enforce("Too short. Two sentences.") is None
    assert REGISTRY["max_words"](limit=3).enforce("This single sentence is longer than three words.") is None
    assert REGISTRY["forbidden_words"](words=["line"]).enforce(RESPONSES[3]) is None


def test_a_partial_repair_mends_what_it_can_and_leaves_the_rest_broken():
    from rnr_dspy.rules import Rule, decide
    from rnr_dspy.rules.repair import repair

    rules = [Rule(id="r1", text="-", check={"name": "postscript", "marker": "PS:"}),
             Rule(id="r2", text="-", check={"name": "include_keywords", "keywords": ["thermometer"]})]
    answer = "Rest the steak for five minutes."
    verdicts = decide(rules, answer, turn_type="in_scope")
    assert repair(answer, rules, verdicts) is None  # no edit can add the keyword honestly
    mended = repair(answer, rules, verdicts, partial=True)
    assert [v.followed for v in decide(rules, mended, turn_type="in_scope")] == [True, False]
    assert mended.startswith(answer)


def test_sections_give_up_where_a_marker_inside_the_text_would_repeat_a_header():
    check = REGISTRY["sections"](marker="Chapter", min_count=2)
    assert check.enforce("This is the first part. Chapter 2 This one is the second.") is None
    assert check.enforce("This is the first part. This one is the second.") == (
        "Chapter 1\nThis is the first part.\n\nChapter 2\nThis one is the second.")


@pytest.mark.parametrize("response", ["<output> When you slice it, keep it thin.",
                                      "When you slice it, keep it thin.</output>"])
def test_a_wrapper_keeps_one_of_the_tags_the_answer_wrote_itself(response):
    repaired = REGISTRY["tagged_wrapper"](tag="output").enforce(response)
    assert repaired == "<output>\nWhen you slice it, keep it thin.\n</output>"


@pytest.mark.parametrize(("response", "repaired"), [
    ("1. **Financial situation**\n2. **Health**", "- **Financial situation**\n- **Health**"),
    ("Bring 2 bottles, or 1,500 ml.", "Bring two bottles, or one thousand five hundred ml."),
    ("On the 21st, 50% off for 2-3 days.", "On the twenty-first, fifty percent off for two to three days."),
    ("The volume is (0.4986^3).", None),
    ("Meet at 5:30 on 2024-05-01.", None),
    ("Drink H2O, not 3.14159 litres.", None),
])
def test_numbers_are_spelled_as_a_person_writes_them_or_not_at_all(response, repaired):
    assert REGISTRY["no_digits"]().enforce(response) == repaired
