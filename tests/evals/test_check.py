from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.evals.check import CheckConfig, check_conversations

SYSTEM = "You are Ava.\n\nRules:\n1. Answer in at most 6 words.\n2. Never use commas.\n3. Be warm."


def _write(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def _messages(answer: str) -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hi"},
                         {"role": "assistant", "content": answer}]}


@pytest.fixture
def chats(tmp_path: Path) -> Path:
    return _write(tmp_path / "chats.jsonl", [
        _messages("Hello! How can I help?"),
        {"id": "flat", "system": SYSTEM, "user": "Hi", "assistant": "Hello, there is so much to tell you today"},
        "{not json",
        {"system": SYSTEM, "user": "Hi"},
        {"system": SYSTEM, "user": "Hi", "assistant": "Hi", "turn_type": "sideways"},
    ])


def test_each_answer_is_checked_against_the_rules_read_from_its_own_prompt(chats: Path) -> None:
    report = check_conversations(CheckConfig(path=chats))
    assert [row.id for row in report.rows] == ["1", "flat"]
    assert [row.passed for row in report.rows] == [True, False]
    broken = [(verdict.rule_id, verdict.reason) for verdict in report.rows[1].verdicts if verdict.followed is False]
    assert broken == [("r1", "9 words; the limit is 6"), ("r2", "1 comma(s)")]
    assert [verdict.followed for verdict in report.rows[0].verdicts] == [True, True, None]  # "Be warm." is judged
    assert report.checkable_pass_rate.value == 0.5 and report.checkable_adherence.value == 0.5
    assert report.adherence.value == pytest.approx(2 / 6)  # the unknown verdicts count against it
    assert report.problems == [
        f"{chats}:3: not JSON (Expecting property name enclosed in double quotes: column 2)",
        f"{chats}:4: no assistant message",
        f"{chats}:5: turn_type 'sideways' is not one of in_scope, adversarial, out_of_scope",
    ]


def test_the_cli_reports_broken_rules_and_the_rates(chats: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(chats)])
    assert result.exit_code == 0, result.output
    assert "flat (line 2) broke 'Answer in at most 6 words.': 9 words; the limit is 6" in result.stdout
    assert "checkable pass rate: 0.500" in result.stdout
    assert f"skipped: {chats}:4: no assistant message" in result.stderr


def test_fail_under_is_a_ci_gate(chats: Path) -> None:
    assert CliRunner().invoke(app, ["check", str(chats), "--fail-under", "0.5"]).exit_code == 0
    failed = CliRunner().invoke(app, ["check", str(chats), "--fail-under", "0.9"])
    assert failed.exit_code == 1
    assert "checkable pass rate 0.500 is under --fail-under 0.9" in failed.stderr


def test_json_output_is_the_whole_report(chats: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(chats), "--json"])
    report = json.loads(result.stdout)
    assert [row["id"] for row in report["rows"]] == ["1", "flat"]
    assert report["rows"][1]["rules"][0]["check"] == {"name": "max_words", "limit": 6}
    assert report["checkable_pass_rate"]["value"] == 0.5 and len(report["problems"]) == 3


def test_a_refusal_rule_is_left_to_a_judge_without_a_turn_type(tmp_path: Path) -> None:
    system = 'You are Ava.\n\nRules:\n1. When a request is outside your scope, reply with "I only help with bikes."'
    chats = _write(tmp_path / "c.jsonl", [{"system": system, "user": "Oil?", "assistant": "Oil it weekly."},
                                          {"system": system, "user": "Oil?", "assistant": "Oil it weekly.",
                                           "turn_type": "in_scope"}])
    report = check_conversations(CheckConfig(path=chats))
    assert [row.verdicts[0].followed for row in report.rows] == [None, True]


def test_follow_rules_without_a_model_is_a_usage_error(chats: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(chats), "--follow-rules", "2"])
    assert result.exit_code == 2 and "name the model with --model" in result.stderr


def test_a_file_with_no_conversation_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(_write(tmp_path / "bad.jsonl", ['"just a string"']))])
    assert result.exit_code == 1
    assert "no conversation to check" in result.stderr and "bad.jsonl:1: not a JSON object" in result.stderr


@pytest.mark.embedded
def test_the_embedded_model_answers_and_follow_rules_holds_it_to_the_rules(tmp_path: Path) -> None:
    prompts = _write(tmp_path / "prompts.jsonl", [
        {"system": "You are a bike mechanic. Answer in at most 25 words. Never use commas.",
         "user": "How often should I oil my chain?"}])
    report = check_conversations(CheckConfig(path=prompts, model="embedded", follow_rules=2, max_tokens=96))
    row = report.rows[0]
    assert row.error is None and row.response
    assert 1 <= row.attempts <= 2
    assert [rule.check.name for rule in row.rules if rule.check] == ["max_words", "no_commas"]
