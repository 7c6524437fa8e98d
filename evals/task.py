"""An eval task in the shape of inspect_ai's: a dataset of samples, a solver that answers them, scorers that
score each answer, and metrics over the scores.

Example:
    >>> from rnr_dspy.evals.metrics import mean_metric
    >>> def exact(sample, response):
    ...     return Score(value=float(response.strip() == sample.target))
    >>> task = Task(name="echo", dataset=[Sample(id="1", user="hi", target="hi")], scorer=exact,
    ...             metrics=lambda scored: {"accuracy": mean_metric([s.score.value for s in scored])})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rnr_dspy.errors import RnrError
from rnr_dspy.evals.metrics import Metric, Unit

__all__ = ["Generation", "Sample", "Score", "ScoredSample", "Scorer", "SuiteError", "Task"]


class SuiteError(RnrError):
    """A suite file is missing, empty or malformed."""


class Sample(BaseModel):
    """One prompt of a suite: the system message the model is deployed with (if any) and the user turn."""

    model_config = ConfigDict(extra="forbid")

    id: str
    user: str
    system: str | None = None
    target: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Score(BaseModel):
    """A scorer's judgement of one answer. `value` is None when it could not be decided (counted, not guessed);
    `explanation` says why (e.g. which rules were broken)."""

    value: float | None
    explanation: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)


class Generation(BaseModel):
    """What the model under test answered to one sample; `error` instead of a text when generation failed;
    `truncated` when the answer was cut off at the token limit rather than finished."""

    text: str | None = None
    error: str | None = None
    seconds: float = 0.0
    output_tokens: int = 0
    truncated: bool = False


class ScoredSample(BaseModel):
    sample: Sample
    generation: Generation
    score: Score


Scorer = Callable[[Sample, str], Score]
Metrics = Callable[[Sequence[ScoredSample]], dict[str, Metric]]
Units = Callable[[Sequence[ScoredSample]], dict[str, list[Unit]]]


@dataclass
class Task:
    """A suite: `dataset` answered by the model under test, each answer scored by `scorer`, then summed up by
    `metrics`. `units` gives, per metric that two models can be compared on item by item, each item's share of it
    (logged, so the report can pair them). `notes` are caveats the report must show (e.g. a missing judge)."""

    name: str
    dataset: list[Sample]
    scorer: Scorer
    metrics: Metrics
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    units: Units | None = None

    def score(self, sample: Sample, generation: Generation) -> Score:
        """Score one answer. A failed generation is kept with its error and left undecided (None): counted in the
        metrics as an error, not guessed as a pass or a fail."""
        if generation.text is None:
            return Score(value=None, explanation=f"generation failed: {generation.error}",
                         metadata={"generation_error": True})
        return self.scorer(sample, generation.text)
