"""Run directories to view: a generate run made by the real pipeline on a scripted engine, one written record by
record (`view_runs.hand_records`), and an eval run from the shipped fixture log with its report and plot."""

from pathlib import Path

import pytest
from fake_engine import fake_lm, scripted_engine
from view_runs import hand_records, with_split_suite

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.generate.run_dir import RECORD_FILE
from rnr_dspy.generate.store import RunStore

FIXTURE_LOG = Path(__file__).parents[1] / "evals" / "fixtures" / "eval_log.json"
SPLIT_SUITE = Path(__file__).parents[1] / "evals" / "suites" / "splits.jsonl"


@pytest.fixture
def pipeline_run(tmp_path, monkeypatch):
    """A generate run of the real pipeline whose teacher never opens with "Sure": repaired rows and DPO pairs."""
    engine = scripted_engine(response={"response": "Rest the steak. It keeps the juices in."})
    monkeypatch.setattr("rnr_dspy.generate.flow.make_lm", lambda spec, **_: fake_lm(engine))
    config = GenerateConfig(out=tmp_path / "generate", lm="fake/model", limit=8, k=4, attempts=2)
    run_generate(config)
    return config.out


@pytest.fixture
def hand_run(tmp_path):
    out = tmp_path / "hand"
    store = RunStore(out / RECORD_FILE)
    for record in hand_records():
        store.append(record.model_dump(mode="json"))
    return out


@pytest.fixture
def eval_run(tmp_path):
    """The fixture log with a suite of both splits added (`view_runs.with_split_suite`), and its report and plot,
    as `rnr-dspy eval` leaves them."""
    from rnr_dspy.evals.log import read_log, write_log
    from rnr_dspy.evals.report import write_report

    out = tmp_path / "eval"
    log = with_split_suite(read_log(FIXTURE_LOG), SPLIT_SUITE)
    write_log(log, out / "log.json")
    write_report(log, out)
    return out
