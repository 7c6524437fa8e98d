"""The data tab holds every row of the run's datasets, every verdict with its reason, and says how each row was
made."""

import json
from collections import Counter

from rnr_dspy.generate.records import PromptRecord
from rnr_dspy.generate.run_dir import RECORD_FILE
from rnr_dspy.view.data_rows import data_view, word_diff


def _jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_sft_row_and_dpo_pair_of_the_datasets_is_in_the_view(pipeline_run):
    rows = data_view(pipeline_run)["rows"]
    sft = _jsonl(pipeline_run / "data" / "sft.jsonl")
    dpo = _jsonl(pipeline_run / "data" / "dpo.jsonl")
    assert sft and dpo
    shown_sft = Counter((r["id"], r["method"], r["answer"]) for r in rows if r["kind"] == "sft")
    assert shown_sft == Counter((r["id"], r["method"], r["messages"][2]["content"]) for r in sft)
    shown_dpo = Counter((r["id"], r["answer"], r["rejected"]["answer"]) for r in rows if r["kind"] == "dpo")
    assert shown_dpo == Counter((p["id"], p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in dpo)


def test_each_row_carries_its_system_prompt_rules_and_every_verdict_with_its_reason(pipeline_run):
    view = data_view(pipeline_run)
    records = {r["key"]: PromptRecord.model_validate(r) for r in _jsonl(pipeline_run / RECORD_FILE)
               if r["stage"] == "prompt"}
    for row in view["rows"]:
        record = records[row["id"]]
        system = view["systems"][row["system"]]
        attempt = next(a for a in record.attempts if a.response == row["answer"])
        assert [v[0] for v in row["verdicts"]] == [rule["id"] for rule in system["rules"]]
        assert row["verdicts"] == [[v.rule_id, v.followed, v.reason, v.method] for v in attempt.verdicts]
        assert all(v[2] for v in row["verdicts"])  # a reason beside every verdict
        assert row["seed_ids"] == record.provenance.seed_ids and row["turn_type"] == record.turn_type


def test_a_repaired_row_shows_what_the_repair_changed(pipeline_run):
    repaired = [r for r in data_view(pipeline_run)["rows"] if r["method"] == "repaired"]
    assert repaired
    for row in repaired:
        assert ["+", "Sure"] in [[op, text.strip()] for op, text in row["diff"]]
        assert "".join(text for op, text in row["diff"] if op != "-") == row["answer"]


def test_each_way_a_row_is_made_is_named(hand_run):
    rows = data_view(hand_run)["rows"]
    made = {(r["id"], r["kind"]): r["method"] for r in rows}
    assert made[("as-written", "sft")] == "sampled"
    assert made[("repaired", "sft")] == "repaired"
    assert made[("hindsight", "sft")] == "hindsight"
    assert made[("refusal", "sft")] == "refusal"
    assert made[("no-row", "no_row")] == "failed"
    assert ("no-row", "sft") not in made


def test_a_hindsight_row_shows_the_rules_read_off_its_answer(hand_run):
    view = data_view(hand_run)
    row = next(r for r in view["rows"] if r["id"] == "hindsight" and r["kind"] == "sft")
    rules = view["systems"][row["system"]]["rules"]
    assert [(rule["checker"], rule["kind"]) for rule in rules] == [("max_words", "length")]
    assert row["verdicts"][0][1] is True


def test_a_refusal_row_shows_the_sample_it_replaces(hand_run):
    row = next(r for r in data_view(hand_run)["rows"] if r["id"] == "refusal" and r["kind"] == "sft")
    assert row["diff"] == [["-", "Check the brake pads first."], ["+", "Sorry, I only help with cooking."]]


def test_a_refusal_pair_judges_the_rejected_answer_under_the_chosen_answers_rules(hand_run):
    view = data_view(hand_run)
    pair = next(r for r in view["rows"] if r["id"] == "refusal" and r["kind"] == "dpo")
    assert [rule["checker"] for rule in view["systems"][pair["system"]]["rules"]] == ["refusal_phrase"]
    assert pair["rejected"]["answer"] == "Check the brake pads first."
    assert [v[:2] for v in pair["rejected"]["verdicts"]] == [["r1", False]]


def test_a_prompt_that_failed_with_an_error_shows_the_error(hand_run):
    row = next(r for r in data_view(hand_run)["rows"] if r["id"] == "error")
    assert (row["kind"], row["status"], row["answer"], row["verdicts"]) == ("no_row", "error", None, [])
    assert row["error"] == "the teacher did not answer: timed out"


def test_a_prompt_without_a_row_shows_its_best_attempt_and_the_broken_rule(hand_run):
    row = next(r for r in data_view(hand_run)["rows"] if r["id"] == "no-row")
    assert row["answer"] == "White wine, usually a crisp one."
    assert [v[1] for v in row["verdicts"]] == [False, True]
    assert "White wine" in row["verdicts"][0][2]  # the checker's reason quotes what the answer starts with


def test_system_prompts_are_stored_once(pipeline_run):
    view = data_view(pipeline_run)
    texts = [system["text"] for system in view["systems"]]
    assert len(texts) == len(set(texts)) < len(view["rows"])


def test_a_run_being_written_is_read_as_it_is_and_left_untouched(hand_run):
    record = hand_run / RECORD_FILE
    with record.open("a", encoding="utf-8") as handle:
        handle.write('{"stage": "prompt", "key": "half-writ')  # a line its writer has not finished
    before = record.read_bytes()
    assert {r["id"] for r in data_view(hand_run)["rows"]} >= {"as-written", "no-row"}
    assert record.read_bytes() == before


def test_word_diff_marks_dropped_and_added_words():
    assert word_diff("a b c", "a x c") == [["=", "a "], ["-", "b "], ["+", "x "], ["=", "c"]]
    assert word_diff("same", "same") == [["=", "same"]]
