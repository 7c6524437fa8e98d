"""IFEval offline: a prompt-echoing "model" gets a fixed, known score on all 541 prompts, whatever the order."""

import random
import subprocess
import sys

import pytest

pytest.importorskip("eval_framework.tasks.ifeval")

from rnr_dspy.evals.ifeval_suite import ifeval_metrics, ifeval_task, load_ifeval
from rnr_dspy.evals.task import Generation, ScoredSample


def _echo_scores(task, samples):
    return [ScoredSample(sample=s, generation=Generation(text=s.user), score=task.score(s, Generation(text=s.user)))
            for s in samples]


@pytest.fixture(scope="module")
def echoed():
    task = ifeval_task()
    return task, _echo_scores(task, task.dataset)


def test_all_541_prompts_load_without_a_system_message():
    samples = load_ifeval()
    assert len(samples) == 541 and all(sample.system is None for sample in samples)
    assert sum(len(s.metadata["instruction_id_list"]) for s in samples) == 834


def test_loading_the_prompts_does_not_import_the_scorer():
    # Generate reads IFEval's prompts at start-up to keep them out of its data; the scorer's package loads NLTK and
    # SciPy (seconds), so a fresh interpreter must read the prompts without importing it.
    code = ("import sys; from rnr_dspy.evals.ifeval_suite import load_ifeval; n = len(load_ifeval()); "
            "print(n, 'eval_framework' in sys.modules, 'nltk' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["541", "False", "False"]


def test_a_limit_draws_a_seeded_sample_spread_over_instruction_groups_not_the_first_prompts():
    task = ifeval_task(limit=40)
    ids = [sample.id for sample in task.dataset]
    first = [sample.id for sample in load_ifeval()[:40]]
    assert len(ids) == 40 and ids != first and ids == [s.id for s in ifeval_task(limit=40).dataset]
    assert ids != [s.id for s in ifeval_task(limit=40, seed=1).dataset]
    groups = {i.split(":")[0] for s in task.dataset for i in s.metadata["instruction_id_list"]}
    assert len(groups) >= 8  # IFEval has 9 instruction groups
    assert "sample of 40 of 541" in task.settings["sample"]


def test_echoing_the_prompt_gets_a_pinned_score(echoed):
    _, scored = echoed
    metrics = ifeval_metrics(scored)
    assert round(metrics["prompt_strict"].value * 541) == 134
    assert round(metrics["prompt_loose"].value * 541) == 161
    assert round(metrics["instruction_strict"].value * 834) == 300
    assert round(metrics["instruction_loose"].value * 834) == 342
    assert metrics["kind:punctuation"].n > 0


def test_a_prompts_score_does_not_depend_on_order_or_global_random_state(echoed):
    task, scored = echoed
    random.seed(12345)
    before = random.random()
    random.seed(12345)
    subset = task.dataset[:80][::-1]
    again = {s.sample.id: s.score for s in _echo_scores(task, subset)}
    assert random.random() == before, "scoring restores the global random state"
    assert all(again[s.sample.id] == s.score for s in scored[:80])


def test_loose_scoring_forgives_a_first_line_and_markdown_stars():
    task = ifeval_task()
    sample = next(s for s in task.dataset if s.metadata["instruction_id_list"] == ["punctuation:no_comma"])
    score = task.score(sample, Generation(text="Sure, here it is\nNo commas at all in this line"))
    assert score.value == 0.0 and score.metadata["strict"] == [False] and score.metadata["loose"] == [True]
