"""The dataset card: Hub metadata a parser reads back, the columns, an example row, how to load, the settings, and
pass rates that keep repaired and hindsight rows apart; `push_to_hub` uploads it after the data."""

import json

import datasets
import huggingface_hub
import yaml

from rnr_dspy.generate import GenerateConfig, run_generate


def _config(tmp_path, **overrides):
    return GenerateConfig(out=tmp_path / "run", lm="fake/model", limit=8, k=4, **overrides)


def _front_matter(text):
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_the_card_has_hub_metadata_a_yaml_parser_reads(tmp_path, engine):
    run_generate(_config(tmp_path))
    text = (tmp_path / "run/data/README.md").read_text()
    meta = _front_matter(text)
    assert meta["license"] == "apache-2.0" and meta["language"] == ["en"]
    assert meta["task_categories"] == ["text-generation"] and meta["size_categories"] == ["n<1K"]
    assert {"rnr-dspy", "synthetic", "sft", "dpo"} <= set(meta["tags"])
    configs = {c["config_name"]: c["data_files"][0]["path"] for c in meta["configs"]}
    assert configs == {"sft": "sft.jsonl", "dpo": "dpo.jsonl"}
    card = huggingface_hub.DatasetCard.load(tmp_path / "run/data/README.md")
    assert card.data.license == "apache-2.0"


def test_the_card_loads_the_local_directory_by_its_configs(tmp_path, engine):
    run_generate(_config(tmp_path))
    sft = datasets.load_dataset(str(tmp_path / "run/data"), "sft", split="train")
    assert sft.num_rows == 14 and "messages" in sft.column_names


def test_the_card_has_columns_an_example_loading_code_and_the_settings(tmp_path, engine):
    run_generate(_config(tmp_path))
    text = (tmp_path / "run/data/README.md").read_text()
    for column in ("messages", "chosen", "rejected", "turn_type", "method", "seed_ids", "judge_lm"):
        assert f"| `{column}` |" in text
    example = text.split("## Example (`sft`)\n\n```json\n", 1)[1].split("\n```", 1)[0]
    assert [m["role"] for m in json.loads(example)["messages"]] == ["system", "user", "assistant"]
    assert 'load_dataset("json", data_files="sft.jsonl", split="train")' in text
    assert 'load_from_disk("hf/sft")' in text
    settings = yaml.safe_load(text.split("## Generation settings", 1)[1].split("```yaml\n", 1)[1].split("```")[0])
    assert settings["answer"]["attempts"] == 4 and settings["rule_source"] == "lm" and "api_key" not in settings


def test_the_card_names_no_server_address(tmp_path, engine):
    run_generate(_config(tmp_path, api_base="http://10.0.0.7:8000/v1?api_key=sk-SECRET"))
    text = (tmp_path / "run/data/README.md").read_text()
    assert "api_base" not in text and "10.0.0.7" not in text and "sk-SECRET" not in text


def test_pass_rates_count_repaired_and_hindsight_rows_apart(tmp_path, engine):
    engine.answers["response"] = {"response": "Rest the steak. It keeps the juices in."}  # misses "Sure"
    report = run_generate(_config(tmp_path, attempts=1))
    assert report.passed_as_written == 0 and report.pass_rate_as_written == 0.0
    assert report.passed == 14 and report.pass_rate == 1.0  # every one repaired
    text = (tmp_path / "run/data/README.md").read_text()
    assert "| passed as written (sampled) | 0 of 14: pass rate 0.000 |" in text
    assert "| passed after a repair by the checkers | 14 more: pass rate with repairs 1.000 |" in text


def test_push_to_hub_uploads_both_configs_then_a_card_pointing_at_them(tmp_path, engine, monkeypatch):
    pushed = []
    monkeypatch.setattr(datasets.Dataset, "push_to_hub",
                        lambda self, repo, config_name: pushed.append(("data", repo, config_name, self.num_rows)))
    monkeypatch.setattr(huggingface_hub.DatasetCard, "push_to_hub",
                        lambda self, repo, repo_type=None: pushed.append(("card", repo, repo_type, str(self))))
    engine.answers["response"] = {"response": "Rest the steak. It keeps the juices in."}  # repaired: DPO pairs too
    run_generate(_config(tmp_path, attempts=1, push_to_hub="me/rnr-data"))
    assert pushed[:3] == [("data", "me/rnr-data", "sft", 14), ("data", "me/rnr-data", "dpo", 14),
                          ("card", "me/rnr-data", "dataset", pushed[2][3])]
    meta = _front_matter(pushed[-1][3])
    assert {c["config_name"]: c["data_files"][0]["path"] for c in meta["configs"]} == {
        "sft": "sft/train-*", "dpo": "dpo/train-*"}
    assert 'load_dataset("REPO", "sft", split="train")' in pushed[-1][3]


def test_an_empty_split_is_neither_pushed_nor_named_in_the_pushed_card(tmp_path, engine, monkeypatch):
    pushed = []
    monkeypatch.setattr(datasets.Dataset, "push_to_hub", lambda self, repo, config_name: pushed.append(config_name))
    monkeypatch.setattr(huggingface_hub.DatasetCard, "push_to_hub",
                        lambda self, repo, repo_type=None: pushed.append(str(self)))
    run_generate(_config(tmp_path, push_to_hub="me/rnr-data"))  # every answer passes: no DPO pair
    assert pushed[0] == "sft" and len(pushed) == 2
    assert [c["config_name"] for c in _front_matter(pushed[1])["configs"]] == ["sft"]
