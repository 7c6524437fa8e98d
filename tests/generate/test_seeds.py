import json

from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.contamination import EvalOverlap, shipped_eval_prompts
from rnr_dspy.generate.seeds import prepare_groups, tfidf_themes


def _write(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def test_duplicates_overlap_with_eval_sets_and_long_instructions_are_counted(tmp_path):
    ifeval_prompt = next(p for p in shipped_eval_prompts() if len(p.split()) > 20)
    rows = [
        {"instruction": "Suggest a name for a bakery that sells sourdough."},
        {"instruction": "suggest a name for a bakery, that sells sourdough!"},  # same words
        {"instruction": ifeval_prompt},
        {"instruction": "Please help: " + ifeval_prompt},  # most 8-grams shared
        {"instruction": "Plan a picnic " + "with friends " * 2000},
        {"instruction": "   "},
    ]
    config = GenerateConfig(out=tmp_path, seeds=_write(tmp_path / "seeds.jsonl", rows), k=2,
                            max_instruction_chars=500)
    groups, report = prepare_groups(config)
    assert report["loaded"] == 5 and report["kept"] == 2
    assert (report["duplicates"], report["contaminated"], report["truncated"]) == (1, 2, 1)
    assert any("empty instruction" in problem for problem in report["problems"])
    assert all(len(seed.instruction) <= 500 for group in groups for seed in group)


def test_overlap_needs_half_the_8_grams_or_the_same_text():
    overlap = EvalOverlap(["Write a haiku about the sea at night, in lowercase letters only please"])
    assert overlap.overlaps("write a haiku about the sea at night in lowercase letters only please")
    assert not overlap.overlaps("Write a haiku about the mountains in winter, using only capital letters")
    assert not overlap.overlaps("Write a haiku")


def test_seeds_without_themes_are_grouped_by_tfidf_clusters(tmp_path):
    rows = [{"instruction": text} for text in [
        "How do I bake sourdough bread at home?", "What flour is best for baking bread?",
        "How long should bread dough rise?", "How do I change a flat bicycle tire?",
        "How often should I oil my bicycle chain?", "What tire pressure suits a road bicycle?",
    ]]
    groups, report = prepare_groups(GenerateConfig(out=tmp_path, seeds=_write(tmp_path / "s.jsonl", rows), k=3))
    topics = [{"bread" in seed.prompt for seed in group} for group in groups]
    assert report["groups"] == 2 and all(len(topic) == 1 for topic in topics)


def test_a_seed_file_smaller_than_k_makes_one_group(tmp_path):
    rows = [{"instruction": "Name three birds."}, {"instruction": "Name three trees."}]
    groups, report = prepare_groups(GenerateConfig(out=tmp_path, seeds=_write(tmp_path / "s.jsonl", rows), k=4))
    assert [len(group) for group in groups] == [2] and report["smaller_than_k"]


def test_tfidf_of_a_single_cluster_needs_no_fit():
    assert tfidf_themes([], 4) == []


def test_the_guard_covers_the_benchmarks_held_out_items(tmp_path):
    from rnr_dspy.evals.rnr_suite import load_rnr_items, shipped_bench_path

    held_out = [item.user for item in load_rnr_items(shipped_bench_path()) if item.split == "held_out"]
    assert len(held_out) >= 60
    guarded = set(shipped_eval_prompts())
    assert all(user in guarded for user in held_out)
    long_turn = next(user for user in held_out if len(user.split()) > 20)
    rows = [{"instruction": "Suggest a name for a bakery that sells sourdough."},
            {"instruction": held_out[0]},
            {"instruction": "Quick question. " + long_turn}]
    config = GenerateConfig(out=tmp_path, seeds=_write(tmp_path / "seeds.jsonl", rows), k=2)
    groups, report = prepare_groups(config)
    assert report["contaminated"] == 2 and [seed.instruction for group in groups for seed in group] == [
        rows[0]["instruction"]]
