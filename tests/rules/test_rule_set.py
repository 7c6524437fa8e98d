from rnr_dspy.rules import Rule, duplicate_rules, rule_set_problems

REQUESTS = ["Plan a three-day trip to Kyoto for a family with two kids.", "What should I pack for Iceland?"]


def test_a_sound_rule_set_has_no_problem():
    rules = [Rule(id="r1", text="Answer in at most 80 words.", check={"name": "max_words", "limit": 80}),
             Rule(id="r2", text="Recommend only places open to children.")]
    assert rule_set_problems(rules, REQUESTS) == []


def test_the_same_rule_five_times_copying_a_request_is_every_problem_named():
    rules = [Rule(id=f"r{i}", text="Plan a three-day trip to Kyoto for a family with two kids.") for i in range(1, 6)]
    problems = rule_set_problems(rules, REQUESTS)
    assert [p for p in problems if "repeats" in p] == ["r2 repeats r1", "r3 repeats r1", "r4 repeats r1",
                                                        "r5 repeats r1"]
    assert sum("copies the request" in p for p in problems) == 5


def test_a_rule_that_contains_a_whole_request_copies_it():
    rules = [Rule(id="r1", text="Always answer: what should I pack for Iceland")]
    assert rule_set_problems(rules, REQUESTS) == ['r1 copies the request "What should I pack for Iceland?"']


def test_short_rules_sharing_a_few_words_with_a_request_are_not_copies():
    assert rule_set_problems([Rule(id="r1", text="Plan ahead.")], REQUESTS) == []


def test_a_checked_rule_is_not_examined_as_free_text():
    # Its text is rendered from the check, whatever it says.
    rules = [Rule(id="r1", text="What should I pack for Iceland?", check={"name": "no_commas"})]
    assert rule_set_problems(rules, REQUESTS) == []


def test_duplicates_ignore_case_spacing_and_punctuation_and_compare_checks_by_value():
    rules = [Rule(id="r1", text="Be kind."), Rule(id="r2", text="be  KIND!"),
             Rule(id="r3", text="a", check={"name": "max_words", "limit": 5}),
             Rule(id="r4", text="b", check={"name": "max_words", "limit": 5}),
             Rule(id="r5", text="c", check={"name": "max_words", "limit": 6})]
    assert duplicate_rules(rules) == ["r2 repeats r1", "r4 repeats r3"]
