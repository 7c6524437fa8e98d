"""Rule compatibility: one slot per family, families that exclude each other, bans on required text, bounds that
cannot meet, and required text that would crowd out a length limit."""

import pytest

from rnr_dspy.rules.checkers import REGISTRY
from rnr_dspy.rules.compat import FAMILY_CLASHES, clash, compatible, conflicts


def check(name, **params):
    return REGISTRY[name](**params)


@pytest.mark.parametrize(("first", "second"), [
    (check("max_words", limit=50), check("max_sentences", limit=3)),             # one length budget
    (check("starts_with", phrase="Sure"), check("first_word", word="Okay")),     # one opening
    (check("json_response", required_keys=["a"]), check("bullet_list")),        # a JSON-only answer has no list
    (check("no_markdown"), check("highlights", min_count=1)),                    # markdown banned and required
    (check("no_commas"), check("sign_off", phrase="Cheers, Ava")),               # a ban on required text
    (check("all_lowercase"), check("refusal_phrase", phrase="Sorry, no.")),
    (check("no_digits"), check("sections", min_count=2)),                        # "SECTION 1" holds a digit
    (check("no_questions"), check("ends_with_question")),
    (check("no_first_person"), check("first_person")),
    (check("we_voice"), check("starts_with", phrase="I think")),
])
def test_conflicting_rules_clash_either_way(first, second):
    assert clash(first, second) and clash(second, first)
    assert not compatible(second, [first]) and conflicts([first, second])


@pytest.mark.parametrize(("first", "second"), [
    (check("max_words", limit=80), check("no_commas")),
    (check("bullet_list", min_items=3), check("starts_with", phrase="Sure thing")),
    (check("json_response", required_keys=["answer"]), check("include_keywords", keywords=["tea"])),
    (check("no_commas"), check("sign_off", phrase="Cheers Ava")),
    (check("all_lowercase"), check("refusal_phrase", phrase="sorry, no.")),
])
def test_compatible_rules_share_a_prompt(first, second):
    assert clash(first, second) is None and compatible(second, [first]) and conflicts([first, second]) == []


def test_bounds_that_cannot_meet_conflict():
    assert conflicts([check("max_lines", limit=3), check("bullet_count", count=5)])
    assert conflicts([check("max_paragraphs", limit=1), check("keyword_every_paragraph", keyword="x"),
                      check("paragraphs", count=3)])
    assert conflicts([check("max_list_items", limit=3), check("numbered_list", min_items=4)])
    assert not conflicts([check("max_lines", limit=6), check("bullet_count", count=5)])


def test_required_text_may_take_at_most_half_a_length_limit():
    opening = check("starts_with", phrase="Of course, here is the plan")  # 6 words
    assert not compatible(check("max_words", limit=10), [opening])
    assert compatible(check("max_words", limit=12), [opening])
    crowded = [opening, check("ends_with", phrase="Good luck with the move."), check("mentions_name", persona="Ava")]
    assert "required text" in " ".join(conflicts([*crowded, check("max_words", limit=20)]))


def test_family_clashes_name_declared_families():
    families = {cls.family for cls in REGISTRY.values()}
    assert all(pair <= families for pair in FAMILY_CLASHES)
