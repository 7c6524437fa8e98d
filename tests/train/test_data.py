import json

import pytest
from train_rows import SYSTEM, dpo_row, sft_row, write_jsonl

from rnr_dspy.train.data import DataError, DataSet, load_dpo_rows, load_sft_rows, mix_ift, resolve_files
from rnr_dspy.train.lengths import fit_to_length, token_lengths


def test_messages_become_prompt_completion_pairs_and_provenance_is_ignored(run_dir):
    data = load_sft_rows(resolve_files([run_dir], "sft.jsonl"))
    assert len(data.rows) == 6 and not data.skipped
    row = data.rows[0]
    assert set(row) == {"prompt", "completion"}
    assert [t["role"] for t in row["prompt"]] == ["system", "user"] and row["prompt"][0]["content"] == SYSTEM
    assert row["completion"] == [{"role": "assistant", "content": "Boil salted water, add pasta, stir. Bon appetit."}]
    assert data.counts() == {str(run_dir / "data" / "sft.jsonl"): 6}


def test_bad_rows_are_skipped_and_counted_with_their_line(tmp_path):
    no_answer = sft_row(1)
    no_answer["messages"] = no_answer["messages"][:2]
    trailing = sft_row(2)
    trailing["messages"].append({"role": "user", "content": "thanks"})
    bad_role = sft_row(3)
    bad_role["messages"][1]["role"] = "human"
    path = tmp_path / "sft.jsonl"
    write_jsonl(path, [sft_row(0), no_answer, "{not json", trailing, bad_role, "[1, 2]", sft_row(4, answer="  ")])
    data = load_sft_rows([path])
    assert len(data.rows) == 1
    assert data.skipped == {"no assistant turn": 1, "not JSON": 1, "not a JSON object": 1,
                            "turns after the last assistant turn": 1, "empty assistant turn": 1,
                            "messages: each turn needs a role (assistant, system, user) and string content": 1}
    assert f"{path}:2: no assistant turn" in data.problems


def test_multi_turn_rows_train_on_the_last_assistant_turn_only(tmp_path):
    row = sft_row(0)
    row["messages"] += [{"role": "user", "content": "And rice?"}, {"role": "assistant", "content": "Simmer it."}]
    write_jsonl(tmp_path / "sft.jsonl", [row])
    (pair,) = load_sft_rows([tmp_path / "sft.jsonl"]).rows
    assert len(pair["prompt"]) == 4 and pair["completion"][0]["content"] == "Simmer it."


def test_preference_rows_are_validated(tmp_path):
    bad = dpo_row(1)
    bad["rejected"] = [{"role": "user", "content": "x"}]
    missing = dpo_row(2)
    del missing["chosen"]
    write_jsonl(tmp_path / "dpo.jsonl", [dpo_row(0), bad, missing])
    data = load_dpo_rows([tmp_path / "dpo.jsonl"])
    assert [set(r) for r in data.rows] == [{"prompt", "chosen", "rejected"}]
    assert data.skipped == {"rejected does not end with an assistant turn": 1,
                            "chosen: expected a non-empty list of turns": 1}


def test_explicit_files_go_to_the_stage_their_rows_belong_to(run_dir, tmp_path):
    sft, dpo = run_dir / "data" / "sft.jsonl", run_dir / "data" / "dpo.jsonl"
    assert resolve_files([sft, dpo], "sft.jsonl") == [sft]
    assert resolve_files([sft, dpo], "dpo.jsonl") == [dpo]
    (tmp_path / "broken.jsonl").write_text("{oops\n")
    assert resolve_files([tmp_path / "broken.jsonl"], "sft.jsonl") == [tmp_path / "broken.jsonl"]
    with pytest.raises(DataError, match="holds preference rows"):
        resolve_files([sft], "dpo.jsonl")


def test_data_paths_must_exist(tmp_path):
    with pytest.raises(DataError, match=r"without data/dpo\.jsonl"):
        resolve_files([tmp_path], "dpo.jsonl")
    with pytest.raises(DataError, match="not found"):
        resolve_files([tmp_path / "nope.jsonl"], "sft.jsonl")


def test_ift_rows_are_mixed_in_at_the_ratio_reproducibly(run_dir, tmp_path):
    ift = tmp_path / "ift.jsonl"
    rows = [{"instruction": f"Name a colour {i}", "output": "Blue."} for i in range(10)]
    ift.write_text("\n".join(json.dumps(r) for r in [*rows, {"instruction": "No answer", "output": ""}]))
    first, second = (load_sft_rows(resolve_files([run_dir], "sft.jsonl")) for _ in range(2))
    assert mix_ift(first, str(ift), 0.5, seed=1) == 3 and mix_ift(second, str(ift), 0.5, seed=1) == 3
    assert first.rows == second.rows and len(first.rows) == 9
    assert first.rows[-1]["prompt"] == [{"role": "user", "content": first.rows[-1]["prompt"][0]["content"]}]
    assert first.counts()[str(ift)] == 3 and first.skipped["IFT row without an output"] == 1
    assert mix_ift(load_sft_rows(resolve_files([run_dir], "sft.jsonl")), str(ift), 5.0, seed=1) == 10


def test_rows_longer_than_max_length_are_skipped_or_kept_and_counted(run_dir, tiny_tokenizer):
    long_row = sft_row(9, answer="word " * 300)
    write_jsonl(run_dir / "data" / "sft.jsonl", [sft_row(0), long_row])
    data = load_sft_rows(resolve_files([run_dir], "sft.jsonl"))
    short, long = token_lengths(data.rows, tiny_tokenizer)
    assert short < 100 < 300 < long
    assert fit_to_length(data, tiny_tokenizer, 200, "truncate") == 1 and len(data.rows) == 2
    assert fit_to_length(data, tiny_tokenizer, 200, "skip") == 1 and len(data.rows) == 1
    assert data.skipped == {"longer than max_length=200 tokens": 1}
    assert len(data.row_sources) == 1


def test_preference_length_is_the_longer_answer(tiny_tokenizer):
    row = dpo_row(0)
    (length,) = token_lengths([row], tiny_tokenizer)
    rendered = tiny_tokenizer.apply_chat_template(row["prompt"] + row["rejected"], tokenize=False)
    assert length == len(tiny_tokenizer(rendered, add_special_tokens=False)["input_ids"])


def test_sft_rows_chooses_generated_rows_by_method_and_counts_the_rest(tmp_path):
    rows = [{**sft_row(i), "method": method} for i, method in enumerate(["sampled", "hindsight", "repaired",
                                                                          "hindsight"])]
    path = tmp_path / "sft.jsonl"
    write_jsonl(path, [*rows, sft_row(9)])  # the last has no method: a user's own row
    data = load_sft_rows([path], methods=["sampled", "repaired"])
    users = [row["prompt"][1]["content"] for row in data.rows]
    assert users == [f"How do I cook pasta number {i}?" for i in (0, 2, 9)]
    assert data.skipped == {"hindsight rows (not in sft_rows)": 2} and not data.problems
    assert len(load_sft_rows([path]).rows) == 5


def test_a_sample_keeps_seeded_rows_in_order_and_counts_the_rest():
    def sampled(seed):
        data = DataSet()
        for index in range(10):
            data.add({"index": index}, f"file-{index % 2}")
        data.sample(4, seed, "not reached")
        return data

    data = sampled(0)
    kept = [row["index"] for row in data.rows]
    assert len(kept) == 4 and kept == sorted(kept) and data.skipped == {"not reached": 6}
    assert [f"file-{index % 2}" for index in kept] == data.row_sources
    assert [row["index"] for row in sampled(0).rows] == kept != [row["index"] for row in sampled(1).rows]
    whole = sampled(0)
    whole.sample(10, 0, "not reached")
    assert len(whole.rows) == 4 and whole.skipped == {"not reached": 6}  # asking for as many as it has keeps all
