"""A resumed run's cost does not grow with the rows already done: a finished group is passed over from its group
record (no record of it read, no program step run), themes are read rather than clustered, the datasets are not
exported again when nothing was added — counted in calls, not timed."""

import json

import pytest

import rnr_dspy.generate.flow as flow
import rnr_dspy.generate.run as pipeline
import rnr_dspy.generate.store as store_module
import rnr_dspy.generate.themes as themes
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.program.rnr_program import RNRProgram


@pytest.fixture
def counted(monkeypatch):
    counts = {"forward": 0, "reads": 0, "clusterings": 0, "exports": 0}

    def counting(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(RNRProgram, "forward", counting("forward", RNRProgram.forward))
    monkeypatch.setattr(store_module, "read_record", counting("reads", store_module.read_record))
    monkeypatch.setattr(themes, "tfidf_themes", counting("clusterings", themes.tfidf_themes))
    monkeypatch.setattr(pipeline, "write_datasets", counting("exports", pipeline.write_datasets))
    return counts


def _seeds(path, count):
    path.write_text("".join(json.dumps({"id": f"s{index}", "instruction": f"Tell me about item {index} of topic "
                                        f"{index % 7}, and what {index * 13 % 101} means for it."}) + "\n"
                            for index in range(count)))
    return path


@pytest.mark.parametrize("seeds", [40, 400])
def test_a_resume_with_nothing_left_reads_one_record_per_group_and_exports_nothing(tmp_path, engine, counted,
                                                                                   seeds):
    config = GenerateConfig(out=tmp_path / "run", lm="fake/model", seeds=str(_seeds(tmp_path / "s.jsonl", seeds)),
                            limit=seeds, k=4, grouping="tfidf")
    first = run_generate(config)
    groups = first.seeds["groups"]
    assert counted["clusterings"] == 1 and counted["forward"] == groups and counted["exports"] == 1
    counted.update(dict.fromkeys(counted, 0))
    again = run_generate(config)
    assert counted == {"forward": 0, "reads": groups, "clusterings": 0, "exports": 0}  # a group's own record each
    assert again.model_dump(exclude={"this_run", "parse"}) == first.model_dump(exclude={"this_run", "parse"})
    assert again.this_run["lm_calls"] == 0


def test_a_group_with_a_row_to_retry_runs_again_and_only_that_row_is_generated(tmp_path, engine, counted):
    config = GenerateConfig(out=tmp_path / "run", lm="fake/model", seeds=str(_seeds(tmp_path / "s.jsonl", 12)),
                            limit=12, k=4)
    first = run_generate(config)
    record = tmp_path / "run" / "generated.jsonl"
    prompt = next(json.loads(line) for line in record.read_text().splitlines() if '"stage": "prompt"' in line)
    with record.open("a") as handle:  # that row failed for a reason a rerun retries
        handle.write(json.dumps({**prompt, "status": "error", "attempts": [],
                                 "error": "LMTimeoutError: no answer"}) + "\n")
    counted.update(dict.fromkeys(counted, 0))
    again = run_generate(config)
    assert counted["forward"] == 1 and counted["exports"] == 1 and again.this_run["lm_calls"] > 0
    assert (again.sft_rows, again.missing_rows) == (first.sft_rows, 0)
    counted.update(dict.fromkeys(counted, 0))
    run_generate(config.model_copy(update={"retry_failed": True}))
    assert counted["forward"] == 0  # nothing failed is left: retry_failed has nothing to do either


def test_a_run_keeps_no_lm_history_in_memory(tmp_path, monkeypatch):
    from dspy.clients import base_lm
    from fake_engine import fake_lm, scripted_engine

    lms = []
    engine = scripted_engine()
    monkeypatch.setattr(flow, "make_lm", lambda spec, **_: lms.append(fake_lm(engine)) or lms[-1])
    before = len(base_lm.GLOBAL_HISTORY)
    result = run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", limit=8, k=4))
    assert result.this_run["lm_calls"] > 0 and [len(lm.history) for lm in lms] == [0] * len(lms)
    assert len(base_lm.GLOBAL_HISTORY) == before
