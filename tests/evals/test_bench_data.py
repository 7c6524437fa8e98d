"""The shipped role-and-rule benchmark: schema, balance, rules that state what they check and can all hold
together, satisfiability shown by reference answers, no overlap with the generation seeds, and a held-out split
whose checkable rules are only of the rule types generation never draws."""

import json
import re
from collections import Counter
from importlib.resources import files

import pytest

from rnr_dspy.evals.splits import split_of
from rnr_dspy.rules import HELD_OUT, Rule
from rnr_dspy.rules.checkers import CheckResult
from rnr_dspy.rules.compat import conflicts

DATA = files("rnr_dspy.evals") / "data"
KEYS = {"id", "domain", "turn_type", "role", "user", "rules"}
TURN_TYPES = ("in_scope", "adversarial", "out_of_scope")
STRUCTURE = {"bullet_list", "bullet_count", "numbered_list", "paragraphs", "sections", "title", "postscript",
             "quoted", "starts_with", "ends_with", "sign_off"}
# Parameters that put literal text into the answer, by checker.
PHRASES = {"starts_with": "phrase", "ends_with": "phrase", "sign_off": "phrase", "refusal_phrase": "phrase",
           "mentions_name": "persona", "postscript": "marker", "sections": "marker"}


def _jsonl(name):
    rows = []
    for number, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                raise AssertionError(f"{name} line {number}: not JSON: {error}") from error
    return rows


ROWS = _jsonl("rnr_bench.jsonl")
ITEMS = [row for _, row in ROWS]
RULES = {item["id"]: [Rule.model_validate(rule) for rule in item["rules"]] for item in ITEMS}
ALL_RULES = [rule for rules in RULES.values() for rule in rules]
SPLIT = {item_id: split_of(rules) for item_id, rules in RULES.items()}
HELD_OUT_ITEMS = [item for item in ITEMS if SPLIT[item["id"]] == "held_out"]


def _words(text):
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def test_every_line_is_an_item_with_exactly_the_schema_keys():
    for number, item in ROWS:
        assert set(item) == KEYS, f"rnr_bench.jsonl line {number}: keys {sorted(item)}"
        assert item["turn_type"] in TURN_TYPES, f"line {number}: turn_type {item['turn_type']!r}"
        assert item["role"].startswith("You are "), f"line {number}: role"
        assert all(isinstance(item[key], str) and item[key].strip() for key in KEYS - {"rules"}), f"line {number}"


def test_ids_are_unique_and_there_are_enough_items():
    ids = [item["id"] for item in ITEMS]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"rb-\d{3}", item_id) for item_id in ids)
    assert len(ITEMS) >= 150 + 60


def test_every_rule_is_a_valid_rule_with_ids_in_order():
    for item in ITEMS:
        rules = RULES[item["id"]]
        assert 2 <= len(rules) <= 6, item["id"]
        assert [rule.id for rule in rules] == [f"r{i}" for i in range(1, len(rules) + 1)], item["id"]
        for raw, rule in zip(item["rules"], rules, strict=True):
            assert set(raw) == {"id", "kind", "text", "check"}, f"{item['id']} {raw.get('id')}"
            # An invalid check would silently turn its rule into a judge-only one.
            assert rule.check_error is None, f"{item['id']} {rule.id}: {rule.check_error}"
            assert rule.kind == raw["kind"], f"{item['id']} {rule.id}: kind {raw['kind']!r}"


def test_turn_types_domains_and_rule_kinds_are_mixed():
    shares = Counter(item["turn_type"] for item in ITEMS)
    assert all(shares[turn] / len(ITEMS) >= 0.2 for turn in TURN_TYPES), shares
    assert len({item["domain"] for item in ITEMS}) >= 20
    assert len({item["role"] for item in ITEMS}) >= 45
    assert len({rule.kind for rule in ALL_RULES}) >= 6
    assert len({rule.check.name for rule in ALL_RULES if rule.check}) >= 20


def test_most_rules_are_checkable_and_some_are_judge_only():
    checkable = sum(rule.checkable for rule in ALL_RULES) / len(ALL_RULES)
    assert 0.6 <= checkable <= 0.85, checkable


def test_a_checkable_rule_states_exactly_what_its_check_verifies():
    for item_id, rules in RULES.items():
        for rule in rules:
            if rule.check is not None:
                assert rule.text == rule.check.describe(), f"{item_id} {rule.id}"
                assert rule.kind == type(rule.check).kind, f"{item_id} {rule.id}"
                assert not rule.check.trivial(), f"{item_id} {rule.id}"


def test_every_out_of_scope_turn_has_a_rule_that_says_to_decline_it():
    for item in ITEMS:
        if item["turn_type"] == "out_of_scope":
            assert any(rule.kind == "scope" for rule in RULES[item["id"]]), item["id"]


@pytest.mark.parametrize("name", ["refusal_phrase", "refusal_redirect"])
def test_a_role_keeps_one_refusal_on_every_turn_type(name):
    # A refusal check passes an in-scope or adversarial answer that does not decline (Rule.verify with the turn type).
    refusals = {}
    for item in ITEMS:
        for rule in RULES[item["id"]]:
            if rule.check is not None and rule.check.name == name:
                refusals.setdefault(item["role"], set()).add(rule.check)
    assert all(len(found) == 1 for found in refusals.values())
    checked_turns = Counter(item["turn_type"] for item in ITEMS if item["role"] in refusals)
    assert set(checked_turns) == set(TURN_TYPES)


def _conflicts(rules):
    checks = {rule.check.name: rule.check for rule in rules if rule.check}
    phrases = [getattr(check, PHRASES[name]) for name, check in checks.items() if name in PHRASES]
    phrases += [word for word in getattr(checks.get("include_keywords"), "keywords", [])]
    problems = []
    if "all_lowercase" in checks:
        problems += [f"{phrase!r} has capitals" for phrase in phrases if phrase != phrase.lower()]
    if "all_uppercase" in checks:
        problems += [f"{phrase!r} has lowercase" for phrase in phrases if phrase != phrase.upper()]
    if "no_commas" in checks:
        problems += [f"{phrase!r} has a comma" for phrase in phrases if "," in phrase]
    if "no_exclamation" in checks:
        problems += [f"{phrase!r} has an exclamation mark" for phrase in phrases if "!" in phrase]
    if "forbidden_words" in checks:
        banned = {word.lower() for word in checks["forbidden_words"].words}
        problems += [f"{phrase!r} uses a forbidden word" for phrase in phrases if _words(phrase) & banned]
    if "json_response" in checks and STRUCTURE & set(checks):
        problems.append("JSON only, yet a text layout")
    if "quoted" in checks and {"starts_with", "ends_with", "sign_off", "postscript"} & set(checks):
        problems.append("quoted, yet a fixed opening or ending")
    if len({"ends_with", "sign_off", "postscript"} & set(checks)) > 1:
        problems.append("two different endings")
    for low, high in (("min_words", "max_words"), ("min_sentences", "max_sentences")):
        if low in checks and high in checks and checks[low].limit > checks[high].limit:
            problems.append(f"{low} above {high}")
    return problems


def test_the_checkable_rules_of_an_item_can_all_hold_together():
    for item_id, rules in RULES.items():
        names = [rule.check.name for rule in rules if rule.check]
        assert len(names) == len(set(names)), f"{item_id}: a checker used twice"
        assert not _conflicts(rules), f"{item_id}: {_conflicts(rules)}"


def test_the_checkable_rules_of_a_held_out_item_pass_the_registry_compatibility_check():
    # The older items predate the registry's one-slot-per-family policy (a word limit and a sentence minimum).
    for item in HELD_OUT_ITEMS:
        checks = [rule.check for rule in RULES[item["id"]] if rule.check]
        assert not conflicts(checks), f"{item['id']}: {conflicts(checks)}"


def test_the_conflict_finder_finds_conflicts():
    def rules(*checks):
        return [Rule(text="x", check=check) for check in checks]

    assert _conflicts(rules({"name": "all_lowercase"}, {"name": "sign_off", "phrase": "Cheers, Ava"}))
    assert _conflicts(rules({"name": "json_response"}, {"name": "bullet_list"}))
    assert _conflicts(rules({"name": "min_words", "limit": 50}, {"name": "max_words", "limit": 40}))
    assert not _conflicts(rules({"name": "all_lowercase"}, {"name": "sign_off", "phrase": "cheers, ava"}))


def test_there_are_enough_held_out_items_balanced_over_turn_types():
    assert len(HELD_OUT_ITEMS) >= 60
    turns = Counter(item["turn_type"] for item in HELD_OUT_ITEMS)
    assert all(turns[turn] >= 20 for turn in TURN_TYPES), turns


def test_held_out_items_check_only_held_out_rule_types_and_the_others_none():
    for item in ITEMS:
        names = {rule.check.name for rule in RULES[item["id"]] if rule.check}
        if SPLIT[item["id"]] == "held_out":
            assert names <= HELD_OUT, f"{item['id']}: {sorted(names - HELD_OUT)} are not held out"
        else:
            assert not names & HELD_OUT, item["id"]


def test_every_held_out_type_is_in_at_least_two_held_out_items():
    counts = Counter(rule.check.name for item in HELD_OUT_ITEMS for rule in RULES[item["id"]] if rule.check)
    assert {name: counts[name] for name in HELD_OUT if counts[name] < 2} == {}


def test_held_out_roles_are_new_roles_in_new_domains():
    held_out = {(item["role"], item["domain"]) for item in HELD_OUT_ITEMS}
    others = {(item["role"], item["domain"]) for item in ITEMS if SPLIT[item["id"]] != "held_out"}
    assert len(held_out) >= 20
    assert not {role for role, _ in held_out} & {role for role, _ in others}
    assert not {domain for _, domain in held_out} & {domain for _, domain in others}


def test_every_held_out_out_of_scope_turn_is_declined_by_a_held_out_refusal_rule():
    for item in HELD_OUT_ITEMS:
        names = {rule.check.name for rule in RULES[item["id"]] if rule.check}
        assert "refusal_redirect" in names, item["id"]


SEEDS = [json.loads(line) for line in (files("rnr_dspy") / "seeds" / "instructions.jsonl").read_text().splitlines()
         if line.strip()]


_STOPWORDS = frozenset(
    "a an the and or but if of to in on at for with by from as is are was were be been it its this that these those i "
    "me my we our you your he she they them his her their what which who how why when where do does did can could "
    "should would will just so not no than then there here about into over up out all any some more most very".split()
)


def _normalized(text):
    return " ".join(re.findall(r"\w+", text.lower()))


def _content_words(text):
    return {word for word in _normalized(text).split() if word not in _STOPWORDS and len(word) > 1}


def _overlap(first, second):
    return len(first & second) / (len(first | second) or 1)


SEED_TEXTS = [f"{seed['instruction']} {seed.get('input', '')}" for seed in SEEDS]


def test_no_user_turn_repeats_or_nearly_repeats_a_seed_instruction():
    seeds = {_normalized(text) for text in SEED_TEXTS}
    seed_words = [_content_words(text) for text in SEED_TEXTS]
    for item in ITEMS:
        assert _normalized(item["user"]) not in seeds, item["id"]
        words = _content_words(item["user"])
        overlap = max(_overlap(words, seed) for seed in seed_words)
        assert overlap < 0.5, f"{item['id']} shares {overlap:.0%} of its content words with a seed instruction"


def test_the_overlap_measure_flags_a_reworded_seed():
    seed = SEEDS[0]["instruction"]
    reworded = "Please explain: " + " ".join(seed.split()[1:])
    assert _overlap(_content_words(reworded), _content_words(seed)) >= 0.5


def test_user_turns_are_distinct():
    users = Counter(_normalized(item["user"]) for item in ITEMS)
    assert users.most_common(1)[0][1] == 1


@pytest.mark.parametrize("name", sorted({rule.check.name for rule in ALL_RULES if rule.check}))
def test_every_checker_used_decides_an_empty_and_a_trivial_answer(name):
    check = next(rule.check for rule in ALL_RULES if rule.check and rule.check.name == name)
    for response in ("", "Yes."):
        result = check.evaluate(response)
        assert isinstance(result, CheckResult) and isinstance(result.followed, bool) and result.reason


REFERENCES = _jsonl("rnr_bench_references.jsonl")


def test_reference_answers_follow_every_checkable_rule_of_their_item():
    assert len(REFERENCES) >= 40
    ids = [reference["id"] for _, reference in REFERENCES]
    assert len(ids) == len(set(ids))
    turn_types = Counter()
    for number, reference in REFERENCES:
        assert set(reference) == {"id", "response"}, f"rnr_bench_references.jsonl line {number}"
        turn_type = next(item["turn_type"] for item in ITEMS if item["id"] == reference["id"])
        for rule in RULES[reference["id"]]:
            verdict = rule.verify(reference["response"], turn_type)
            assert verdict is None or verdict.followed, f"{reference['id']} {rule.id}: {verdict.reason}"
        turn_types[SPLIT[reference["id"]], turn_type] += 1
    assert {turn for split, turn in turn_types if split == "in_distribution"} == set(TURN_TYPES)
    assert {turn for split, turn in turn_types if split == "held_out"} == set(TURN_TYPES)
    assert sum(count for (split, _), count in turn_types.items() if split == "held_out") >= 20


def test_held_out_references_show_every_held_out_type_satisfiable():
    shown = {rule.check.name for _, reference in REFERENCES if SPLIT[reference["id"]] == "held_out"
             for rule in RULES[reference["id"]] if rule.check}
    assert shown == set(HELD_OUT)
