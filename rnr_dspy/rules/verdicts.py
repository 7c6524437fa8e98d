"""The one verdict policy: each rule is decided by its check, else by a judge's verdict, else it stays unknown.

RuleJudge, every metric and the eval scorer decide rules through `decide`, so a rule gets the same verdict
wherever it is scored. `Adherence` is the arithmetic over those verdicts: a response passes only when every rule
is known to be followed; an unknown verdict never counts as followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rnr_dspy.rules.model import Rule, RuleVerdict, TurnType

__all__ = ["NO_JUDGE", "NO_VERDICT", "Adherence", "decidable", "decide", "tally"]

NO_JUDGE = "judge-only rule and no judge verdict was asked for"
NO_VERDICT = "the judge gave no verdict"


def decide(rules: list[Rule], response: str, *, turn_type: TurnType | None = None,
           judged: Iterable[RuleVerdict] | None = None) -> list[RuleVerdict]:
    """One verdict per rule, in order: a checkable rule by its check (on this turn type), a judge-only rule by its
    verdict in `judged`, else unknown. `judged=None` means no judge was asked. A judge can never overrule code:
    its verdicts on checkable rules, and any verdict claiming to come from a check, are ignored.

    Examples:
        >>> from rnr_dspy.rules.checkers.punctuation import NoCommas
        >>> [v.followed for v in decide([Rule(id="r1", text="-", check=NoCommas())], "a, b")]
        [False]
    """
    by_id = {verdict.rule_id: verdict for verdict in judged or () if verdict.method == "judge"}
    missing = NO_JUDGE if judged is None else NO_VERDICT
    verdicts = []
    for rule in rules:
        verdict = rule.verify(response, turn_type)
        if verdict is None:
            given = by_id.get(rule.id)
            verdict = given or RuleVerdict(rule_id=rule.id, followed=None, reason=missing, method="judge")
        verdicts.append(verdict)
    return verdicts


def decidable(rules: Sequence[Rule], turn_type: TurnType | None) -> list[Rule]:
    """The rules as code can decide them on a turn of `turn_type`: without a turn type, a rule on declining
    out-of-scope requests loses its check (whether a request is in scope is a judge's call; checked, every answer
    that does not decline would break it, and a repair would turn it into the refusal)."""
    return [rule if rule.check is None or turn_type is not None or not rule.check.out_of_scope_only
            else rule.model_copy(update={"check": None}) for rule in rules]


@dataclass(frozen=True)
class Adherence:
    followed: int = 0
    violated: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.followed + self.violated + self.unknown

    @property
    def fraction(self) -> float:
        """Share of all rules known to be followed: an unknown verdict counts against, never for, the score."""
        return self.followed / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        """A response passes only if every rule is known to be followed (and there is at least one rule)."""
        return self.total > 0 and self.followed == self.total

    @property
    def outcome(self) -> float | None:
        """1.0 when every rule is followed, 0.0 as soon as one is broken, None when the rest are unknown."""
        if self.violated:
            return 0.0
        return None if self.unknown else 1.0


def tally(verdicts: Iterable[RuleVerdict]) -> Adherence:
    counts = {True: 0, False: 0, None: 0}
    for verdict in verdicts:
        counts[verdict.followed] += 1
    return Adherence(followed=counts[True], violated=counts[False], unknown=counts[None])
