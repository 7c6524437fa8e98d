from __future__ import annotations

from rnr_dspy.rules import Rule, render_system_prompt
from rnr_dspy.rules.checkers.length import MaxWords
from rnr_dspy.rules.reading import read_rules, read_system_prompt
from rnr_dspy.rules.reading.split import split_system_prompt


def test_a_rendered_system_prompt_splits_into_its_role_and_rules() -> None:
    rules = [Rule(text="Keep every answer under 91 words (at most 90).", check=MaxWords(limit=90)),
             Rule(text="Stay patient with upset customers.")]
    prompt = render_system_prompt("You are Nova, Brightline's support assistant.", rules)
    read = read_system_prompt(prompt)
    assert read.role == "You are Nova, Brightline's support assistant."
    assert [(rule.id, rule.text, rule.check) for rule in read.rules] == [
        ("r1", rules[0].text, MaxWords(limit=90)), ("r2", rules[1].text, None)]


def test_bullets_headings_and_continuation_lines() -> None:
    prompt = ("You are Ava.\n\n## Guidelines\n- Answer in at most 80 words.\n- Never use commas,\n  not even in lists."
              "\n* End with 'Anything else?'")
    role, texts = split_system_prompt(prompt)
    assert role == "You are Ava."
    assert texts == ["Answer in at most 80 words.", "Never use commas, not even in lists.", "End with 'Anything else?'"]


def test_rules_in_prose_are_read_and_the_rest_is_the_role() -> None:
    prompt = ("You are Ava, the support assistant of Acme Bikes. You help riders with orders and repairs. "
              "Answer in at most 80 words. End with 'Anything else?' Be warm.")
    read = read_system_prompt(prompt)
    assert read.role == "You are Ava, the support assistant of Acme Bikes. You help riders with orders and repairs."
    assert [rule.text for rule in read.rules] == ["Answer in at most 80 words.", "End with 'Anything else?'",
                                                   "Be warm."]
    assert [rule.check.name if rule.check else None for rule in read.rules] == ["max_words", "ends_with", None]


def test_a_prompt_with_no_rules_is_all_role() -> None:
    assert read_rules("You are a friendly travel guide for Lisbon.") == []


def test_a_rule_a_checker_reads_is_a_rule_even_without_an_imperative() -> None:
    read = read_system_prompt("You are Ava. 60 words max.")
    assert read.role == "You are Ava."
    assert read.rules[0].check == MaxWords(limit=60)


def test_a_rule_longer_than_a_rule_text_holds_is_cut_and_marked_but_read_whole() -> None:
    rule = "Answer in at most 80 words. " + "x" * 300
    read = read_system_prompt(f"You are Ava.\n\n- {rule}")
    assert len(read.rules[0].text) == 200 and read.rules[0].text.endswith("…")


def test_markdown_headings_are_neither_role_nor_rule() -> None:
    read = read_system_prompt("# Role\nYou are Max, a cooking assistant.\n\n# Rules\n1) Reply in Spanish only.\n"
                              "2) Maximum of 3 sentences.\n\n# Tone\nBe cheerful.")
    assert read.role == "You are Max, a cooking assistant."
    assert [rule.text for rule in read.rules] == ["Be cheerful.", "Reply in Spanish only.", "Maximum of 3 sentences."]
