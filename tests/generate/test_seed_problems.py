import json

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.generate.seeds import MAX_PROBLEMS_REPORTED, prepare_groups


def _seeds(path, good, bad):
    lines = [json.dumps({"instruction": f"How do I cook dish number {i}?"}) for i in range(good)]
    lines += ["{broken"] * bad
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_seed_report_counts_every_problem_and_lists_the_first(tmp_path):
    seeds = _seeds(tmp_path / "seeds.jsonl", 4, MAX_PROBLEMS_REPORTED + 5)
    _, report = prepare_groups(GenerateConfig(out=tmp_path / "run", seeds=seeds, k=4))
    assert report["problem_count"] == MAX_PROBLEMS_REPORTED + 5
    assert len(report["problems"]) == MAX_PROBLEMS_REPORTED
    assert report["problems"][0].startswith(f"{seeds}:5: not JSON")


def test_the_dataset_card_lists_the_seed_rows_not_used(tmp_path, engine):
    seeds = _seeds(tmp_path / "seeds.jsonl", 4, 12)
    run_generate(GenerateConfig(out=tmp_path / "run", seeds=seeds, k=4, user_turns=False))
    card = (tmp_path / "run" / "data" / "README.md").read_text()
    assert "| seed rows not used (unreadable, or without an instruction) | 12 |" in card
    assert "the first 10 of 12" in card and f"{seeds}:5: not JSON" in card and f"{seeds}:15:" not in card
