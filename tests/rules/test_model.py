import pytest
from pydantic import TypeAdapter, ValidationError

from rnr_dspy.rules import HELD_OUT, Rule, RuleVerdict, SystemPrompt, normalize_rules, render_system_prompt
from rnr_dspy.rules.checkers.content import ForbiddenWords
from rnr_dspy.rules.checkers.length import MaxWords
from rnr_dspy.rules.checkers.punctuation import NoCommas


def test_render_system_prompt_is_role_blank_line_rules_header_and_numbered_rules():
    rules = [Rule(text="Answer in English."), Rule(text="Use at most 50 words."), Rule(text="Never use emoji.")]
    assert render_system_prompt("You are a travel guide.", rules) == (
        "You are a travel guide.\n"
        "\n"
        "Rules:\n"
        "1. Answer in English.\n"
        "2. Use at most 50 words.\n"
        "3. Never use emoji."
    )


def test_render_system_prompt_without_rules_is_the_role_alone():
    assert render_system_prompt("You are a travel guide.", []) == "You are a travel guide."


def test_render_system_prompt_strips_the_role_and_each_rule():
    rules = [Rule(text="  Answer in English.\n"), Rule(text="\tBe brief. ")]
    assert render_system_prompt("\n  You are a guide.  \n", rules) == (
        "You are a guide.\n\nRules:\n1. Answer in English.\n2. Be brief."
    )
    assert render_system_prompt("  You are a guide.\n", []) == "You are a guide."


def test_system_prompt_render_equals_render_system_prompt():
    rules = [Rule(text="Be brief."), Rule(text="Be kind.", kind="tone")]
    prompt = SystemPrompt(role=" You are a coach. ", rules=rules)
    assert prompt.render() == render_system_prompt(" You are a coach. ", rules)
    assert SystemPrompt(role="You are a coach.").render() == "You are a coach."


def test_rule_with_a_valid_check_dict_gets_a_typed_checker():
    rule = Rule(text="Be brief.", kind="length", check={"name": "max_words", "limit": 40})
    assert isinstance(rule.check, MaxWords)
    assert rule.check.limit == 40
    assert rule.check_error is None
    assert rule.checkable


def test_rule_accepts_a_checker_instance():
    rule = Rule(text="No commas.", check=NoCommas())
    assert rule.check == NoCommas()
    assert rule.check_error is None


def test_rule_with_list_parameters_gets_them_validated():
    rule = Rule(text="Avoid jargon.", check={"name": "forbidden_words", "words": [" synergy ", "leverage"]})
    assert isinstance(rule.check, ForbiddenWords)
    assert rule.check.words == ["synergy", "leverage"]


def test_a_parsed_rule_with_an_unknown_checker_is_kept_without_check_and_names_the_checker():
    data = {"text": "Rhyme every line.", "kind": "style", "check": {"name": "rhymes", "scheme": "AABB"}}
    rule = Rule.model_validate(data)
    assert rule.text == "Rhyme every line."
    assert rule.kind == "style"
    assert rule.check is None
    assert not rule.checkable
    assert "rhymes" in rule.check_error


@pytest.mark.parametrize(
    ("check", "needle"),
    [
        ({"name": "max_words", "limit": "ten"}, "limit"),
        ({"name": "bullet_list", "min_items": [3]}, "min_items"),
        ({"name": "include_keywords", "keywords": "python"}, "keywords"),
    ],
)
def test_a_parsed_rule_with_a_wrongly_typed_parameter_is_kept_and_names_the_parameter(check, needle):
    rule = Rule.model_validate({"text": "Some rule.", "check": check})
    assert rule.check is None
    assert needle in rule.check_error


@pytest.mark.parametrize(
    ("check", "needle"),
    [
        ({"name": "max_words", "limit": 0}, "greater than or equal to 1"),
        ({"name": "min_words", "limit": 100_000}, "less than or equal to 5000"),
        ({"name": "bullet_list", "min_items": 0}, "greater than or equal to 1"),
        ({"name": "include_keywords", "keywords": []}, "at least 1"),
    ],
)
def test_a_parsed_rule_with_an_out_of_range_parameter_is_kept_and_says_why(check, needle):
    rule = Rule.model_validate({"text": "Some rule.", "check": check})
    assert rule.check is None
    assert needle in rule.check_error
    assert str(check["name"]) in rule.check_error


def test_a_parsed_rule_with_a_missing_required_parameter_is_kept():
    rule = Rule.model_validate({"text": "Start politely.", "check": {"name": "starts_with"}})
    assert rule.check is None
    assert "phrase" in rule.check_error


def test_a_parsed_rule_with_an_extra_check_parameter_is_kept():
    rule = Rule.model_validate({"text": "No commas.", "check": {"name": "no_commas", "strict": True}})
    assert rule.check is None
    assert "strict" in rule.check_error


def test_a_parsed_rule_with_a_check_that_is_not_an_object_is_kept():
    rule = Rule.model_validate({"text": "Be brief.", "check": "max_words"})
    assert rule.check is None
    assert rule.check_error


def test_rule_parsed_from_json_keeps_a_rule_whose_check_is_invalid():
    rule = Rule.model_validate_json('{"text": "Be brief.", "check": {"name": "max_words", "limit": -3}}')
    assert rule.text == "Be brief."
    assert rule.check is None
    assert "limit" in rule.check_error


def test_a_parsed_list_of_rules_keeps_each_rule_whose_check_is_invalid():
    rules = TypeAdapter(list[Rule]).validate_python([{"text": "Rhyme.", "check": {"name": "rhymes"}},
                                                     {"text": "Short.", "check": {"name": "max_words", "limit": 9}}])
    assert rules[0].check is None and "rhymes" in rules[0].check_error
    assert isinstance(rules[1].check, MaxWords)


def test_a_hand_written_rule_with_a_misspelt_checker_raises_and_suggests_the_name():
    with pytest.raises(ValidationError, match="unknown checker 'max_wrds'; did you mean 'max_words'"):
        Rule(text="Be brief.", check={"name": "max_wrds", "limit": 50})


def test_a_hand_written_rule_with_a_misspelt_field_raises_and_suggests_the_name():
    with pytest.raises(ValidationError, match="unknown field 'chekc' of a rule; did you mean 'check'"):
        Rule(id="r1", text="No commas.", chekc={"name": "no_commas"})


def test_a_parsed_rule_drops_fields_it_does_not_keep():
    rule = Rule.model_validate({"text": "No commas.", "check": {"name": "no_commas"}, "reason": "an LM's aside"})
    assert rule.check is not None and not hasattr(rule, "reason")


@pytest.mark.parametrize("check", [{"name": "max_words", "limit": 0}, {"name": "starts_with"},
                                   {"name": "no_commas", "strict": True}, "max_words"])
def test_a_hand_written_rule_with_bad_check_parameters_raises_naming_them(check):
    with pytest.raises(ValidationError, match="check"):
        Rule(text="Some rule.", check=check)


def test_a_checked_rule_takes_its_checkers_kind_unless_one_is_given():
    assert Rule(text="Be brief.", check={"name": "max_words", "limit": 50}).kind == "length"
    assert Rule(text="No commas.", check=NoCommas()).kind == NoCommas.kind
    assert Rule.model_validate({"text": "Be brief.", "check": {"name": "max_words", "limit": 5}}).kind == "length"
    assert Rule(text="Be brief.", kind="safety", check={"name": "max_words", "limit": 50}).kind == "safety"
    assert Rule(text="Be kind.").kind == "other"


def test_rule_without_check_has_no_error():
    rule = Rule(text="Be kind.", check=None)
    assert rule.check is None
    assert rule.check_error is None


def test_rule_still_rejects_a_missing_or_empty_text():
    with pytest.raises(ValidationError):
        Rule(check={"name": "no_commas"})
    with pytest.raises(ValidationError):
        Rule(text="")


def test_verify_returns_a_check_verdict_with_the_rule_id():
    rule = Rule(id="r7", text="Be brief.", check={"name": "max_words", "limit": 3})
    followed = rule.verify("one two three")
    violated = rule.verify("one two three four")
    assert isinstance(followed, RuleVerdict)
    assert (followed.rule_id, followed.followed, followed.method) == ("r7", True, "check")
    assert (violated.rule_id, violated.followed, violated.method) == ("r7", False, "check")
    assert "4" in violated.reason


def test_verify_without_a_check_returns_none():
    assert Rule(id="r1", text="Be kind.").verify("anything") is None
    refused = Rule.model_validate({"id": "r2", "text": "Brief.", "check": {"name": "max_words", "limit": 0}})
    assert refused.verify("x") is None


def test_rule_verdict_defaults_to_the_judge_method():
    verdict = RuleVerdict(rule_id="r1", followed=None)
    assert verdict.method == "judge"
    assert verdict.reason == ""


def test_rule_json_schema_hides_program_assigned_fields():
    schema = TypeAdapter(Rule).json_schema()
    assert set(schema["properties"]) == {"kind", "text", "check"}
    assert "id" not in schema.get("required", [])
    assert "check_error" not in schema.get("required", [])
    assert "check_error" not in str(schema)


def test_rule_verdict_json_schema_hides_the_method():
    schema = TypeAdapter(RuleVerdict).json_schema()
    assert "method" not in schema["properties"]
    assert set(schema["required"]) == {"rule_id", "followed"}


def test_rule_json_schema_offers_the_lm_choices_and_null_while_any_registered_check_validates():
    from rnr_dspy.rules.checkers import LM_CHOICES, REGISTRY

    check = TypeAdapter(Rule).json_schema()["properties"]["check"]
    union, null = check["anyOf"]
    assert null == {"type": "null"}
    assert set(union["discriminator"]["mapping"]) == set(LM_CHOICES)
    assert [ref["$ref"].rsplit("/", 1)[-1] for ref in union["oneOf"]] == [REGISTRY[n].__name__ for n in LM_CHOICES]
    assert not set(LM_CHOICES) & HELD_OUT and set(LM_CHOICES) < set(REGISTRY)
    offered_elsewhere = Rule(text="x", check={"name": "yaml_mapping", "required_keys": ["a"]})
    assert offered_elsewhere.check is not None and offered_elsewhere.check.name == "yaml_mapping"


def test_normalize_keeps_a_wording_draws_one_by_seed_and_keeps_held_out_checks_out_of_generation():
    check = MaxWords(limit=40)
    terse = check.phrasings()["terse"]
    rules = normalize_rules([Rule(text=terse, check=check), Rule(text="Short please.", check=check),
                             {"text": "x", "check": {"name": "yaml_mapping", "required_keys": ["a"]}}])
    assert [rule.text for rule in rules[:2]] == [terse, check.describe()]
    assert rules[2].check is None and "held-out" in rules[2].check_error and rules[2].text == "x"
    kept = normalize_rules([{"text": "x", "check": {"name": "yaml_mapping", "required_keys": ["a"]}}],
                           include_held_out=True)
    assert kept[0].check is not None and kept[0].text == kept[0].check.describe()
    drawn = {normalize_rules([Rule(text="-", check=check)], seed=str(seed))[0].text for seed in range(30)}
    assert drawn == set(check.phrasings().values())


def test_a_refusal_rule_is_followed_on_in_scope_turns_by_not_refusing():
    rule = Rule(id="r1", text="x", check={"name": "refusal_phrase", "phrase": "I can only help with cooking."})
    refusal, answer = "Sorry. I can only help with cooking.", "Boil the pasta for nine minutes."
    assert rule.verify(refusal, "out_of_scope").followed and not rule.verify(answer, "out_of_scope").followed
    assert rule.verify(answer, "in_scope").followed and not rule.verify(refusal, "adversarial").followed
    assert rule.verify(refusal).followed  # turn type unknown: the check as written
