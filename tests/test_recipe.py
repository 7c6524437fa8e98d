"""`rnr-dspy run`: recipes load and wire their stages; a CI-sized recipe runs end to end and resumes by stage."""

import json
import re

import pytest
import yaml
from fake_engine import fake_lm, scripted_engine
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.errors import ConfigError, RnrError
from rnr_dspy.recipe import load_recipe, run_recipe, stage_configs


@pytest.mark.parametrize("name", ["embedded-smollm2", "teacher-vllm-7b"])
def test_shipped_recipes_are_valid_for_every_stage(name, tmp_path):
    recipe = load_recipe(name, out=tmp_path)
    configs = stage_configs(recipe)
    assert list(configs) == ["compile", "generate", "train", "eval"]
    assert configs["generate"].program == tmp_path / "compile" / "program.json"
    assert configs["train"].data == [tmp_path / "generate"] and configs["train"].out == tmp_path / "model"
    trained = (f"local:{tmp_path / 'model' / 'model.q8_0.gguf'}" if recipe.eval_as_gguf
               else f"local:{tmp_path / 'model'}")
    assert configs["eval"].models[1] == trained


def test_the_embedded_recipe_teaches_answers_that_end_before_eval_cuts_them_off(tmp_path):
    configs = stage_configs(load_recipe("embedded-smollm2", out=tmp_path))
    assert configs["generate"].answer.max_tokens < configs["eval"].max_tokens


def test_program_and_teacher_settings_are_given_once_for_compile_and_generate(tmp_path):
    configs = stage_configs(load_recipe("embedded-smollm2", out=tmp_path))
    compiled, generating = configs["compile"], configs["generate"]
    assert compiled.program_settings() == generating.program_settings()  # the program generate runs is compiled's
    assert (compiled.rule_source, compiled.judge_lm, compiled.max_tokens) == ("sampled", "none", 384)
    assert generating.max_tokens == 384 and generating.answer.attempts == 1


def test_a_stage_setting_beats_the_shared_one_and_a_shared_key_must_be_one(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "out": str(tmp_path / "run"), "program": {"rule_source": "sampled"},
                                    "generate": {"rule_source": "lm"}}))
    configs = stage_configs(load_recipe(path))
    assert (configs["compile"].rule_source, configs["generate"].rule_source) == ("sampled", "lm")
    path.write_text(yaml.safe_dump({"name": "x", "out": str(tmp_path / "run"), "teacher": {"attempts": 2}}))
    with pytest.raises(ConfigError, match="not a teacher setting: attempts"):
        load_recipe(path)


def test_an_unknown_recipe_lists_the_shipped_ones():
    with pytest.raises(ConfigError, match="embedded-smollm2, teacher-vllm-7b"):
        load_recipe("no-such-recipe")


def test_a_bad_stage_setting_names_the_stage_and_field(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "out": str(tmp_path / "run"), "generate": {"answer": {"atempts": 2}}}))
    with pytest.raises(ConfigError, match=r"recipe x: generate\.answer\.atempts: unknown setting; did you mean att"):
        stage_configs(load_recipe(path))


@pytest.fixture
def ci_recipe(tmp_path, tiny_model_dir, monkeypatch):
    engine = scripted_engine()
    for module in ("rnr_dspy.compile.run", "rnr_dspy.generate.flow"):
        monkeypatch.setattr(f"{module}.make_lm", lambda spec, **_: fake_lm(engine))
    path = tmp_path / "ci.yaml"
    path.write_text(yaml.safe_dump({
        "name": "ci", "out": str(tmp_path / "run"), "lm": "fake", "student": f"local:{tiny_model_dir}",
        "isolate_stages": False,  # the fake LM lives in this process
        "compile": {"limit": 8, "k": 4, "train_size": 1, "val_size": 1, "optimizer": "none"},
        "generate": {"limit": 4, "k": 4},
        "train": {"sft_config": {"max_steps": 2, "per_device_train_batch_size": 2, "max_length": 256}},
        "eval": {"suite": "rnr", "limit": 2, "max_tokens": 8, "backend": "transformers"},
    }))
    return path, engine


def test_a_ci_sized_recipe_runs_end_to_end_and_resumes_after_an_interruption(ci_recipe, monkeypatch):
    path, engine = ci_recipe
    from rnr_dspy.stages import STAGES

    real_eval = STAGES["eval"].run

    def interrupted(config, **_):
        raise KeyboardInterrupt

    monkeypatch.setattr(STAGES["eval"], "run", interrupted)
    recipe = load_recipe(path)
    seen = []
    with pytest.raises(KeyboardInterrupt):
        run_recipe(recipe, progress=seen.append)
    # Every stage reported through the one progress protocol, as it does under the CLI.
    assert {"before", "optimize", "after", "generate", "sft"} <= {event.phase for event in seen}
    state = json.loads((recipe.out / "run_state.json").read_text())
    assert list(state) == ["compile", "generate", "train"]
    calls = len(engine.requests)

    monkeypatch.setattr(STAGES["eval"], "run", real_eval)
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert "compile: skipped" in result.output and "eval: done" in result.output
    assert len(engine.requests) == calls  # nothing before eval ran again

    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(recipe.out / "model") is not None
    assert (recipe.out / "compile/program.json").is_file() and (recipe.out / "generate/data/sft.jsonl").is_file()
    log = json.loads((recipe.out / "eval/log.json").read_text())
    assert [run["spec"] for run in log["runs"]] == [recipe.student, f"local:{recipe.out / 'model'}"]
    assert (recipe.out / "eval/report.md").is_file()
    assert set(json.loads((recipe.out / "run_state.json").read_text())) == {"compile", "generate", "train", "eval"}


def test_an_isolated_stage_runs_as_its_own_command_and_its_key_stays_out_of_files(tmp_path, monkeypatch):
    import rnr_dspy.recipe as recipe_module
    from rnr_dspy.config import build_config
    from rnr_dspy.generate import GenerateConfig

    calls = []
    monkeypatch.setattr(recipe_module, "run_measured", lambda command, env: calls.append((command, env)) or (0, 1))
    config = GenerateConfig(out=tmp_path / "generate", api_key="sk-secret", limit=3)
    recipe_module._in_process_of_its_own("generate", tmp_path, config)
    (command, env), = calls
    assert command[-3:] == ["generate", "--config", str(tmp_path / "configs/generate.yaml")]
    assert env["RNR_DSPY_API_KEY"] == "sk-secret"
    written = (tmp_path / "configs/generate.yaml").read_text()
    assert "sk-secret" not in written
    assert build_config(GenerateConfig, tmp_path / "configs/generate.yaml", {}).limit == 3


def test_a_distributed_train_stage_is_launched_and_the_other_stages_run_once(tmp_path, monkeypatch):
    import rnr_dspy.recipe as recipe_module

    commands = []

    def measured(command, env, **_):
        return commands.append(command) or (0, 300 * 2**20)

    monkeypatch.setattr(recipe_module, "run_measured", measured)
    monkeypatch.setattr("rnr_dspy.runtime.launch_failure.run_measured", measured)  # the launched stage's
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "out": str(tmp_path / "run"), "stages": ["compile", "generate",
                                                                                          "train"],
                                    "train": {"launch": {"num_processes": 8}, "method": ["sft", "dpo"]}}))
    run_recipe(load_recipe(path))
    compile_, generate, train = commands
    assert compile_[1:] == ["-m", "rnr_dspy.cli", "compile", "--config", str(tmp_path / "run/configs/compile.yaml")]
    assert generate[1:3] == ["-m", "rnr_dspy.cli"] and generate[3] == "generate"
    assert train[1:5] == ["-m", "accelerate.commands.launch", "--num_processes", "8"] and "--multi_gpu" in train
    assert train[-5:] == ["-m", "rnr_dspy.cli", "train", "--config", str(tmp_path / "run/configs/train.yaml")]
    assert "launch" not in (tmp_path / "run/configs/train.yaml").read_text()
    state = json.loads((tmp_path / "run/run_state.json").read_text())
    assert [stage["peak_rss_mb"] for stage in state.values()] == [300, 300, 300]


def test_only_the_train_stage_can_be_launched(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "out": str(tmp_path), "generate": {"launch": {"num_processes": 2}}}))
    with pytest.raises(ConfigError, match="generate runs once"):
        load_recipe(path)


def test_a_recipe_run_under_a_launcher_is_refused_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("LOCAL_RANK", "0")
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run")
    with pytest.raises(ConfigError, match=r"launch: \{num_processes: N\}"):
        run_recipe(recipe)
    assert not (tmp_path / "run").exists()


def test_a_damaged_run_state_is_a_clear_error_not_a_traceback(tmp_path):
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run")
    recipe.out.mkdir()
    (recipe.out / "run_state.json").write_text('{"compile": {"status": "do')
    with pytest.raises(RnrError, match=r"run_state\.json cannot be read .*move it aside"):
        run_recipe(recipe)


def test_the_recorded_recipe_holds_no_password_from_a_server_address(tmp_path, monkeypatch):
    import rnr_dspy.recipe as recipe_module

    monkeypatch.setattr(recipe_module, "_in_process_of_its_own", lambda *_: 0)
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run").model_copy(
        update={"stages": ["generate"], "generate": {"api_base": "http://me:SECRET@127.0.0.1:8000/v1"}})
    run_recipe(recipe)
    recorded = (recipe.out / "recipe.yaml").read_text()
    assert "SECRET" not in recorded and "http://me:***@127.0.0.1:8000/v1" in recorded


def test_a_generate_stage_with_rows_missing_is_not_done_and_says_what_finishes_it(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from rnr_dspy.stages import STAGES

    unfinished = SimpleNamespace(missing_rows=3, planned_rows=8, first_errors=["prompt: LMServerError: down"])
    monkeypatch.setattr(STAGES["generate"], "run", lambda config, progress=None: unfinished)
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run").model_copy(
        update={"stages": ["generate"], "isolate_stages": False})
    with pytest.raises(RnrError, match=r"3 of 8 rows missing .*LMServerError: down.*run the same command again"):
        run_recipe(recipe)
    assert not (recipe.out / "run_state.json").exists()  # not recorded as done: the next run resumes it


def test_no_key_or_server_password_of_a_stage_section_is_written_to_the_run(tmp_path, monkeypatch):
    import rnr_dspy.recipe as recipe_module

    monkeypatch.setattr(recipe_module, "run_measured", lambda command, env: (0, 1))
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run").model_copy(update={
        "stages": ["generate"], "isolate_stages": True,
        "generate": {"api_key": "sk-SECRET-KEY", "api_base": "http://me:SECRET-PW@127.0.0.1:8000/v1"}})
    run_recipe(recipe)
    written = {path.name: path.read_text() for path in recipe.out.rglob("*.yaml")}
    assert set(written) == {"recipe.yaml", "generate.yaml"}
    assert [name for name, text in written.items() if "SECRET" in text] == []
    assert "http://me:***@127.0.0.1:8000/v1" in written["generate.yaml"]


def test_a_missing_local_student_fails_before_any_stage_runs(tmp_path, monkeypatch):
    import rnr_dspy.recipe as recipe_module
    from rnr_dspy.errors import LMSpecError

    commands = []
    monkeypatch.setattr(recipe_module, "run_measured", lambda command, env: commands.append(command) or (0, 1))
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run").model_copy(update={
        "student": f"local:{tmp_path / 'models/missing'}", "stages": ["compile", "generate", "train"]})
    with pytest.raises(LMSpecError, match=r"models/missing.* does not exist"):
        run_recipe(recipe)
    assert commands == [] and not (tmp_path / "run").exists()


@pytest.mark.parametrize(("code", "said"), [(-9, "killed (SIGKILL), most often by the kernel when memory ran out"),
                                            (137, "killed (SIGKILL)"), (-15, "killed by SIGTERM"),
                                            (1, "exit code 1")])
def test_a_stage_process_that_was_killed_says_so(tmp_path, monkeypatch, code, said):
    import rnr_dspy.recipe as recipe_module
    from rnr_dspy.train import TrainConfig

    monkeypatch.setattr(recipe_module, "run_measured", lambda command, env: (code, 0))
    config = TrainConfig(data=[tmp_path], out=tmp_path / "model")
    with pytest.raises(RnrError, match=rf"stage train failed \({re.escape(said)}"):
        recipe_module._in_process_of_its_own("train", tmp_path, config)


def test_a_done_stage_runs_again_when_the_recipe_changed_its_settings(tmp_path, monkeypatch):
    import rnr_dspy.recipe as recipe_module

    commands, stages = [], []
    monkeypatch.setattr(recipe_module, "run_measured", lambda command, env: commands.append(command) or (0, 1))
    recipe = load_recipe("embedded-smollm2", out=tmp_path / "run").model_copy(update={
        "stages": ["generate"], "generate": {"limit": 3}})
    run_recipe(recipe)
    run_recipe(recipe, on_stage=lambda stage, status, _: stages.append(status))
    assert len(commands) == 1 and stages == ["skipped"]
    run_recipe(recipe.model_copy(update={"generate": {"limit": 4}}))
    assert len(commands) == 2
