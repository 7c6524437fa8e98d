import csv
import json
from collections import Counter

import pytest

from rnr_dspy.errors import RnrError, SeedError
from rnr_dspy.seeds.data import Seed, SeedColumns, SeedSet, group_seeds, load_seeds


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped():
    return load_seeds()


def test_jsonl_alpaca_rows_load_with_input_output_and_theme(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [
        {"id": "s1", "instruction": "  Summarise this.  ", "input": " A long text. ", "output": "Short.",
         "domain": "writing"},
        {"instruction": "Plan a trip.", "category": "travel"},
    ])
    seeds = load_seeds(path)
    assert isinstance(seeds, SeedSet)
    assert seeds.source == str(path)
    assert seeds.problems == []
    first, second = seeds.seeds
    assert (first.id, first.instruction, first.input, first.output, first.theme) == (
        "s1", "Summarise this.", "A long text.", "Short.", "writing")
    assert first.prompt == "Summarise this.\n\nA long text."
    assert second.theme == "travel"
    assert second.prompt == "Plan a trip."
    assert len(second.id) == 12


def test_generated_ids_are_stable_and_distinguish_inputs(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [
        {"instruction": "Translate.", "input": "Hello"},
        {"instruction": "Translate.", "input": "Goodbye"},
    ])
    ids = [seed.id for seed in load_seeds(path).seeds]
    assert ids == [seed.id for seed in load_seeds(path).seeds]
    assert ids[0] != ids[1]


def test_jsonl_bad_lines_become_problems_and_the_rest_still_loads(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_bytes(
        b'{"instruction": "First."}\n'
        b'{"instruction": "broken\n'
        b'{"instruction": "caf\xe9 latin-1"}\n'
        b"\n"
        b'["not", "an", "object"]\n'
        b'{"instruction": "Last."}\n'
    )
    seeds = load_seeds(path)
    assert [seed.instruction for seed in seeds.seeds] == ["First.", "Last."]
    problems = {problem.where: problem.message for problem in seeds.problems}
    assert set(problems) == {f"{path}:2", f"{path}:3", f"{path}:5"}
    assert "not JSON" in problems[f"{path}:2"]
    assert "UTF-8" in problems[f"{path}:3"]
    assert str(seeds.problems[0]).startswith(f"{path}:2: ")


def test_empty_instructions_are_skipped_and_reported(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [
        {"instruction": "Keep me."}, {"instruction": ""}, {"instruction": "   "}, {"instruction": None},
    ])
    seeds = load_seeds(path)
    assert [seed.instruction for seed in seeds.seeds] == ["Keep me."]
    assert [problem.where for problem in seeds.problems] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert all("empty instruction" in problem.message for problem in seeds.problems)


def test_only_empty_instructions_raise_with_the_first_problems(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [{"instruction": ""}, {"instruction": " "}])
    with pytest.raises(SeedError, match="no usable seed instruction") as caught:
        load_seeds(path)
    assert f"{path}:1" in str(caught.value)


def test_missing_instruction_column_lists_columns_and_suggests_options(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [{"text": "Hello", "label": 1}])
    with pytest.raises(SeedError) as caught:
        load_seeds(path)
    message = str(caught.value)
    assert "['label', 'text']" in message
    assert "--columns.instruction" in message
    assert "--columns.messages" in message
    assert isinstance(caught.value, RnrError)


def test_json_list(tmp_path):
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps([{"instruction": "One."}, {"instruction": ""}, {"prompt": "Two."}]), encoding="utf-8")
    seeds = load_seeds(path)
    assert [seed.instruction for seed in seeds.seeds] == ["One.", "Two."]
    assert [problem.where for problem in seeds.problems] == [f"{path}[1]"]


def test_json_data_object(tmp_path):
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps({"version": 2, "data": [{"question": "Why?"}]}), encoding="utf-8")
    assert [seed.instruction for seed in load_seeds(path).seeds] == ["Why?"]


def test_json_object_without_data_list_raises(tmp_path):
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps({"rows": [{"instruction": "x"}]}), encoding="utf-8")
    with pytest.raises(SeedError, match="expected a JSON list"):
        load_seeds(path)


def test_unparsable_json_file_raises(tmp_path):
    path = tmp_path / "seeds.json"
    path.write_text("[\n{", encoding="utf-8")
    with pytest.raises(SeedError, match=r"seeds\.json:2: not valid JSON"):
        load_seeds(path)


def test_csv_with_context_and_response_columns(tmp_path):
    path = tmp_path / "seeds.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["instruction", "context", "response", "category"])
        writer.writeheader()
        writer.writerow({"instruction": "Summarise, briefly.", "context": "Text, with commas.", "response": "Ok.",
                         "category": "summary"})
        writer.writerow({"instruction": "", "context": "", "response": "", "category": ""})
        writer.writerow({"instruction": "Naïve café question?", "context": "", "response": "", "category": ""})
    seeds = load_seeds(path)
    assert [(s.instruction, s.input, s.output, s.theme) for s in seeds.seeds] == [
        ("Summarise, briefly.", "Text, with commas.", "Ok.", "summary"),
        ("Naïve café question?", "", "", None),
    ]
    assert [problem.where for problem in seeds.problems] == [f"{path}:3"]


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "seeds.parquet"
    pq.write_table(pa.table({"instruction": ["Alpha?", "Beta?"], "input": ["", "ctx"], "domain": ["a", "b"]}), path)
    seeds = load_seeds(path)
    assert [(s.instruction, s.input, s.theme) for s in seeds.seeds] == [("Alpha?", "", "a"), ("Beta?", "ctx", "b")]


def test_openai_messages_rows_take_the_first_user_turn_and_its_reply(tmp_path):
    path = write_jsonl(tmp_path / "chat.jsonl", [{"messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": " What is 2+2? "},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "6"},
    ]}])
    seed = load_seeds(path).seeds[0]
    assert (seed.instruction, seed.input, seed.output) == ("What is 2+2?", "", "4")


def test_sharegpt_rows(tmp_path):
    path = write_jsonl(tmp_path / "chat.jsonl", [{"conversations": [
        {"from": "system", "value": "Be nice."},
        {"from": "human", "value": "Hi there"},
        {"from": "gpt", "value": "Hello!"},
    ]}])
    seed = load_seeds(path).seeds[0]
    assert (seed.instruction, seed.output) == ("Hi there", "Hello!")


def test_messages_rows_without_a_user_turn_are_reported(tmp_path):
    path = write_jsonl(tmp_path / "chat.jsonl", [
        {"messages": [{"role": "assistant", "content": "Hi"}]},
        {"messages": "not a list"},
        {"messages": [{"role": "user", "content": "Real question?"}]},
    ])
    seeds = load_seeds(path)
    assert [(s.instruction, s.output) for s in seeds.seeds] == [("Real question?", "")]
    assert [problem.where for problem in seeds.problems] == [f"{path}:1", f"{path}:2"]


def test_seed_columns_map_custom_alpaca_names(tmp_path):
    path = write_jsonl(tmp_path / "custom.jsonl", [
        {"uid": 7, "task": "Explain tides.", "passage": "Moon.", "answer": "Gravity.", "topic": "science"},
    ])
    columns = SeedColumns(instruction="task", input="passage", output="answer", id="uid", theme="topic")
    seed = load_seeds(path, columns=columns).seeds[0]
    assert (seed.id, seed.instruction, seed.input, seed.output, seed.theme) == (
        "7", "Explain tides.", "Moon.", "Gravity.", "science")


def test_seed_columns_map_a_custom_messages_column(tmp_path):
    path = write_jsonl(tmp_path / "custom.jsonl", [{"dialog": [{"role": "user", "content": "Hey?"}]}])
    seed = load_seeds(path, columns=SeedColumns(messages="dialog")).seeds[0]
    assert seed.instruction == "Hey?"


def test_an_explicit_messages_column_wins_over_a_detected_instruction_column(tmp_path):
    path = write_jsonl(tmp_path / "custom.jsonl", [
        {"prompt": "SYSTEM TEMPLATE v2", "dialog": [{"role": "user", "content": "Hey?"}]},
    ])
    seed = load_seeds(path, columns=SeedColumns(messages="dialog")).seeds[0]
    assert seed.instruction == "Hey?"


def test_seed_columns_refuse_unknown_fields():
    with pytest.raises(ValueError):
        SeedColumns(instructions="task")


def test_a_mapped_column_that_is_absent_raises(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [{"instruction": "x"}])
    with pytest.raises(SeedError, match="no instruction column"):
        load_seeds(path, columns=SeedColumns(instruction="task"))


def test_limit_stops_after_that_many_seeds(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [{"instruction": f"Q{i}?"} for i in range(10)])
    assert [seed.instruction for seed in load_seeds(path, limit=3).seeds] == ["Q0?", "Q1?", "Q2?"]
    assert len(load_seeds(path, limit=50).seeds) == 10


def test_limit_counts_usable_seeds_not_rows(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [{"instruction": ""}, {"instruction": "A"}, {"instruction": "B"}])
    assert [seed.instruction for seed in load_seeds(path, limit=1).seeds] == ["A"]


def test_limit_zero_yields_no_seed(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [{"instruction": "A"}, {"instruction": "B"}])
    try:
        count = len(load_seeds(path, limit=0).seeds)
    except SeedError:
        count = 0
    assert count == 0


@pytest.mark.parametrize("name", ["missing.jsonl", "missing.json", "missing.csv", "missing.parquet"])
def test_missing_file_raises(tmp_path, name):
    with pytest.raises(SeedError, match="seed file not found"):
        load_seeds(tmp_path / name)


def test_a_directory_is_not_a_seed_file(tmp_path):
    with pytest.raises(SeedError, match="is a directory, not a seed file"):
        load_seeds(tmp_path)


def test_unsupported_extension_raises(tmp_path):
    path = tmp_path / "seeds.txt"
    path.write_text("Explain tides.\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"unsupported seed format '\.txt'"):
        load_seeds(path)


def test_hub_dataset_that_cannot_be_loaded_raises(monkeypatch):
    datasets = pytest.importorskip("datasets")
    calls = []

    def offline(dataset_id, split):
        calls.append((dataset_id, split))
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(SeedError, match="no network") as caught:
        load_seeds("someone/no-such-dataset", split="validation")
    assert "'someone/no-such-dataset'" in str(caught.value)
    assert calls == [("someone/no-such-dataset", "validation")]


def test_hub_dataset_rows_load(monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setattr(datasets, "load_dataset",
                        lambda dataset_id, split: [{"instruction": "Hub question?", "category": "qa"}])
    seeds = load_seeds("someone/dataset")
    assert [(s.instruction, s.theme) for s in seeds.seeds] == [("Hub question?", "qa")]
    assert seeds.source == "someone/dataset"


def test_shipped_seeds(shipped):
    assert len(shipped.seeds) >= 150
    assert shipped.problems == []
    assert shipped.source == "shipped"
    assert len({seed.id for seed in shipped.seeds}) == len(shipped.seeds)
    assert len({seed.theme for seed in shipped.seeds}) >= 20
    assert all(seed.theme for seed in shipped.seeds)
    assert all(seed.instruction == seed.instruction.strip() != "" for seed in shipped.seeds)


@pytest.mark.parametrize("k", [1, 3, 4, 7])
def test_groups_share_a_theme_fit_k_and_cover_every_seed_once(shipped, k):
    groups = group_seeds(shipped.seeds, k)
    assert all(1 <= len(group) <= k for group in groups)
    assert all(len({seed.theme for seed in group}) == 1 for group in groups)
    counts = Counter(seed.id for group in groups for seed in group)
    assert counts == Counter(seed.id for seed in shipped.seeds)


def test_group_seeds_is_deterministic_for_a_shuffle_seed(shipped):
    def ids(groups):
        return [[seed.id for seed in group] for group in groups]

    assert ids(group_seeds(shipped.seeds, 4, shuffle_seed=7)) == ids(group_seeds(shipped.seeds, 4, shuffle_seed=7))
    assert ids(group_seeds(shipped.seeds, 4, shuffle_seed=7)) != ids(group_seeds(shipped.seeds, 4, shuffle_seed=8))


def test_group_seeds_does_not_reorder_its_input(shipped):
    seeds = list(shipped.seeds)
    group_seeds(seeds, 3)
    assert seeds == shipped.seeds


def test_seeds_without_theme_are_grouped_together():
    seeds = [Seed(id=str(i), instruction=f"q{i}") for i in range(5)] + [Seed(id="t", instruction="q", theme="x")]
    groups = group_seeds(seeds, 2)
    assert sorted(len(group) for group in groups) == [1, 1, 2, 2]
    assert all(len({seed.theme for seed in group}) == 1 for group in groups)


def test_group_seeds_of_nothing_is_empty():
    assert group_seeds([], 3) == []


@pytest.mark.parametrize("k", [0, -1])
def test_group_size_below_one_raises(shipped, k):
    with pytest.raises(SeedError, match="at least 1"):
        group_seeds(shipped.seeds, k)
