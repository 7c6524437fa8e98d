"""SFT and DPO run two steps each on a tiny model: loss is logged, parameters change, and the saved directory loads
back with transformers and with the project's `local:` LM."""

import json

import pytest
from train_rows import sft_row, write_jsonl

from rnr_dspy.train import DataError, OutputDirError, TrainConfig, run_train

pytest.importorskip("trl")

QUICK = {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-2}


def config(run_dir, model_dir, out, **settings):
    return TrainConfig(data=[run_dir], model=f"local:{model_dir}", out=out,
                       sft_config=QUICK, dpo_config={**QUICK, "learning_rate": 1e-3}, **settings)


def weights(directory):
    from safetensors.torch import load_file

    return load_file(directory / "model.safetensors")


def changed(before, after):
    return {name for name in before if not (before[name] == after[name]).all()}


@pytest.fixture(scope="module")
def sft_then_dpo(tiny_model_dir, tmp_path_factory):
    from train_rows import dpo_row

    run_dir = tmp_path_factory.mktemp("run")
    write_jsonl(run_dir / "data" / "sft.jsonl", [sft_row(i) for i in range(6)])
    write_jsonl(run_dir / "data" / "dpo.jsonl", [dpo_row(i) for i in range(4)])
    out = tmp_path_factory.mktemp("out") / "model"
    seen = []
    result = run_train(config(run_dir, tiny_model_dir, out, method=["sft", "dpo"]), progress=seen.append)
    return result, out, seen


def test_sft_and_dpo_each_log_a_loss_and_change_the_weights(sft_then_dpo, tiny_model_dir):
    result, out, _ = sft_then_dpo
    sft, dpo = result.stages
    assert (sft.stage, sft.steps, dpo.stage, dpo.steps) == ("sft", 2, "dpo", 2)
    assert sft.final_loss > 0 and dpo.final_loss > 0 and sft.tokens > 0
    base, after_sft, after_dpo = weights(tiny_model_dir), weights(out / "sft"), weights(out)
    assert len(changed(base, after_sft)) > len(base) // 2
    assert changed(after_sft, after_dpo)


def test_progress_reports_every_step_of_each_stage(sft_then_dpo):
    _, _, seen = sft_then_dpo
    assert [(event.phase, event.done, event.total) for event in seen] == [
        ("sft", 0, 2), ("sft", 1, 2), ("sft", 2, 2), ("dpo", 0, 2), ("dpo", 1, 2), ("dpo", 2, 2)]
    assert "loss" in seen[2].stats


def test_progress_shows_the_loss_of_the_step_it_reports(sft_then_dpo):
    result, _, seen = sft_then_dpo
    for stage in result.stages:
        logged = {entry["step"]: entry["loss"] for entry in stage.log if "loss" in entry}
        shown = {event.done: event.stats.get("loss") for event in seen if event.phase == stage.stage and event.done}
        assert shown == logged


def test_output_reloads_and_generates(sft_then_dpo):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rnr_dspy.models.lm import make_lm

    _, out, _ = sft_then_dpo
    model, tokenizer = AutoModelForCausalLM.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    assert "<|im_start|>" in tokenizer.chat_template and model.generation_config.eos_token_id == tokenizer.eos_token_id
    inputs = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True)
    output = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert output.shape[1] > inputs["input_ids"].shape[1]
    lm = make_lm(f"local:{out}", max_tokens=4)
    assert isinstance(lm("Hi")[0], str)


def test_the_saved_model_generates_with_its_kv_cache(sft_then_dpo):
    # Training turns the cache off; a saved config.json with use_cache false makes every later load slow.
    _, out, _ = sft_then_dpo
    assert json.loads((out / "config.json").read_text())["use_cache"] is True
    assert json.loads((out / "sft" / "config.json").read_text())["use_cache"] is True


def test_the_run_writes_a_model_card_a_log_and_no_pickle(sft_then_dpo):
    _, out, _ = sft_then_dpo
    card = (out / "README.md").read_text()
    assert "SFT then DPO" in card and "sft.jsonl` | 6 |" in card and "dpo.jsonl` | 4 |" in card
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert {entry["stage"] for entry in log if "loss" in entry} == {"sft", "dpo"}
    report = json.loads((out / "train_report.json").read_text())
    assert [stage["steps"] for stage in report["stages"]] == [2, 2]
    assert not list(out.rglob("*.bin")) and not (out / "checkpoints").exists()


def test_lora_adapters_are_merged_on_save(run_dir, tiny_model_dir, tmp_path):
    out = tmp_path / "lora"
    run_train(config(run_dir, tiny_model_dir, out, lora=True, lora_config={"r": 4}))
    base, after = weights(tiny_model_dir), weights(out)
    assert set(after) == set(base)  # plain weights: no adapter tensors, no adapter files
    assert json.loads((out / "config.json").read_text())["use_cache"] is True
    assert any("_proj." in name for name in changed(base, after)) and not (out / "adapter_config.json").exists()


def test_dpo_under_max_steps_trains_only_the_pairs_those_steps_reach(tmp_path, tiny_model_dir):
    # DPO computes the reference log-probabilities of every pair it is given before training: pairs that
    # max_steps never reaches are left out first, and counted.
    from train_rows import dpo_row

    write_jsonl(tmp_path / "run" / "data" / "dpo.jsonl", [dpo_row(i) for i in range(10)])
    settings = {**QUICK, "learning_rate": 1e-3, "precompute_ref_log_probs": True}
    result = run_train(TrainConfig(data=[tmp_path / "run"], model=f"local:{tiny_model_dir}", out=tmp_path / "out",
                                   method=["dpo"], dpo_config=settings))
    (dpo,) = result.stages
    assert (dpo.rows, dpo.steps) == (4, 2)  # 2 steps of 2 pairs
    assert result.skipped == {"beyond max_steps=2 (4 pairs)": 6}
    assert "beyond max_steps=2 (4 pairs): 6" in (tmp_path / "out" / "README.md").read_text()


def test_a_non_empty_output_dir_is_refused_unless_overwrite(run_dir, tiny_model_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match=r"not empty.*--overwrite"):
        run_train(config(run_dir, tiny_model_dir, out))
    assert (out / "notes.txt").read_text() == "mine"


def test_a_dataset_without_usable_rows_is_an_error(tmp_path, tiny_model_dir):
    no_answer = sft_row(0)
    no_answer["messages"] = no_answer["messages"][:2]
    write_jsonl(tmp_path / "empty.jsonl", [])
    write_jsonl(tmp_path / "bad.jsonl", [no_answer])
    with pytest.raises(DataError, match="files are empty"):
        run_train(config(tmp_path / "empty.jsonl", tiny_model_dir, tmp_path / "a"))
    with pytest.raises(DataError, match=r"bad\.jsonl:1: no assistant turn"):
        run_train(config(tmp_path / "bad.jsonl", tiny_model_dir, tmp_path / "b"))


def test_the_data_is_checked_before_the_model_is_converted(tmp_path, monkeypatch):
    import rnr_dspy.train.run as trainer

    monkeypatch.setattr(trainer, "hf_model_dir", lambda spec: pytest.fail("the model was converted first"))
    write_jsonl(tmp_path / "empty.jsonl", [])
    with pytest.raises(DataError, match="files are empty"):
        run_train(TrainConfig(data=[tmp_path / "empty.jsonl"], out=tmp_path / "model"))
    assert not (tmp_path / "model").exists()
