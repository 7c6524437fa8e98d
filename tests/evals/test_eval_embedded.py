"""The real models: the embedded GGUF end to end on a few items, and batched transformers generation (a tiny
random Llama with SmolLM2's real tokenizer) answering exactly as it does one prompt at a time."""

from collections import Counter
from pathlib import Path

import pytest

from rnr_dspy.evals import EvalConfig, run_eval
from rnr_dspy.evals.log import read_log
from rnr_dspy.evals.task import Sample

pytestmark = pytest.mark.embedded

TINY = Path(__file__).parent / "suites" / "tiny.jsonl"


def test_embedded_model_end_to_end_on_a_few_items(tmp_path):
    log = run_eval(EvalConfig(suite=str(TINY), limit=2, max_tokens=16, out=tmp_path))
    [run] = read_log(tmp_path / "log.json").runs
    assert run.spec == "embedded" and run.backend == "llama.cpp" and run.precision == "Q4_1"
    samples = run.suites[0].samples
    assert [s.sample.id for s in samples] == ["t-1", "t-2"]
    assert all(s.generation.text and 0 < s.generation.output_tokens <= 16 for s in samples)
    assert all(len(s.score.metadata["verdicts"]) == len(s.sample.metadata["rules"]) for s in samples)
    assert log.runs[0].suites[0].metrics["checkable_pass_rate"].n == 2
    assert (tmp_path / "report.md").is_file() and (tmp_path / "plot.png").is_file()


def test_batched_generation_matches_one_prompt_at_a_time_in_input_order(tiny_model_dir):
    from rnr_dspy.evals.solvers import make_generator

    samples = [Sample(id=str(i), system="You are terse." if i % 2 else None, user="Hi " * (1 + 3 * i))
               for i in range(5)]
    batched = make_generator(f"local:{tiny_model_dir}", batch_size=4, max_tokens=6)
    single = make_generator(f"local:{tiny_model_dir}", batch_size=1, max_tokens=6)
    assert batched.backend == "transformers, batch 4" and batched.precision == "float32"
    done = []
    together = batched.generate(samples, done=done.append)
    alone = single.generate(samples)
    assert [g.text for g in together] == [g.text for g in alone]
    assert all(g.error is None and 0 < g.output_tokens <= 6 for g in together)
    # Answers are reported as they finish inside a batch, and each batch's end: the count only grows.
    assert done == sorted(done) and 4 in done and done[-1] == 5


def _loops(text):
    """Whether some three words in a row come back five times or more ("Dear [Neighbor's Name] Dear …")."""
    words = text.split()
    return max(Counter(zip(words, words[1:], words[2:], strict=False)).values(), default=0) >= 5


def test_the_transformers_back_end_answers_as_llama_cpp_does_without_looping():
    from rnr_dspy.evals.rnr_suite import rnr_task
    from rnr_dspy.evals.solvers import make_generator

    # Greedy on transformers looped on both of these ("Dear [Neighbor's Name]" again and again) until it had
    # llama.cpp's repeat penalty; the two back ends differ in arithmetic (Q4_1 against float32), not in the prompt,
    # the stop tokens or the sampling.
    samples = [sample for sample in rnr_task().dataset if sample.id in ("rb-084", "rb-126")]
    answers = {backend: [g.text for g in make_generator("embedded", backend=backend, max_tokens=64).generate(samples)]
               for backend in ("auto", "transformers")}
    for llama, transformers in zip(answers["auto"], answers["transformers"], strict=True):
        assert not _loops(llama) and not _loops(transformers), (llama, transformers)
        assert transformers.split()[:5] == llama.split()[:5]
