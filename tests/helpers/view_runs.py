"""Generate records written by hand: one prompt per way a row is made, and prompts whose texts are markup."""

from rnr_dspy.generate.records import PromptRecord, Provenance
from rnr_dspy.program.answer import Attempt
from rnr_dspy.rules import Rule, decide, render_system_prompt

ROLE = "You are a cooking coach."
REFUSAL = "Sorry, I only help with cooking."
SCRIPT = '</script><script>window.pwned = 1; document.title = "pwned"</script>'
IMAGE = '<img src=x onerror="window.pwned = 2; document.title = \'pwned\'"><b>bold?</b>'


def _rules(*checks):
    return [Rule(id=f"r{i}", text=f"Rule {i}.", check=check) for i, check in enumerate(checks, start=1)]


def _attempt(rules, response, turn_type, method="sampled", own_rules=False):
    verdicts = decide(rules, response, turn_type=turn_type)
    extra = {"rules": rules, "system_prompt": render_system_prompt(ROLE, rules)} if own_rules else {}
    return Attempt(response=response, verdicts=verdicts, passed=all(v.followed for v in verdicts), method=method,
                   **extra)


def _record(key, user, turn_type, rules, attempts):
    return PromptRecord(key=key, status="ok", system_key="s1", turn_type=turn_type, rules=rules, user=user,
                        system_prompt=render_system_prompt(ROLE, rules), attempts=attempts,
                        provenance=Provenance(seed_ids=[f"seed-{key}"], program="p", lm="fake/teacher",
                                              judge_lm="none"))


def hand_records():
    """One prompt per way a row is made, and two whose texts are markup."""
    sure = _rules({"name": "starts_with", "phrase": "Sure"}, {"name": "max_words", "limit": 40})
    short = _rules({"name": "max_words", "limit": 60})
    refuse = _rules({"name": "refusal_phrase", "phrase": REFUSAL})
    return [
        _record("as-written", "How long do I rest a steak?", "in_scope", sure,
                [_attempt(sure, "Sure, rest it five minutes.", "in_scope")]),
        _record("repaired", "Is risotto hard to make?", "in_scope", sure,
                [_attempt(sure, "Risotto is easy with patience.", "in_scope"),
                 _attempt(sure, "Sure, risotto is easy with patience.", "in_scope", "repaired")]),
        _record("hindsight", "Should I brine a turkey overnight?", "adversarial", sure,
                [_attempt(sure, "Brining overnight works well for a juicy bird.", "adversarial"),
                 _attempt(short, "Brining overnight works well for a juicy bird.", "adversarial", "hindsight",
                          own_rules=True)]),
        _record("refusal", "Can you fix my car's brakes?", "out_of_scope", refuse,
                [_attempt(refuse, "Check the brake pads first.", "out_of_scope"),
                 _attempt(refuse, REFUSAL, "out_of_scope", "hindsight", own_rules=True)]),
        _record("no-row", "What wine goes with fish?", "in_scope", sure,
                [_attempt(sure, "White wine, usually a crisp one.", "in_scope")]),
        _record("error", "What is a roux?", "in_scope", sure, []).model_copy(
            update={"status": "error", "error": "the teacher did not answer: timed out"}),
        _record("markup-user", SCRIPT, "in_scope", sure,
                [_attempt(sure, "Sure, that is just text.", "in_scope")]),
        _record("markup-answer", "Show me some HTML.", "in_scope", sure,
                [_attempt(sure, "Sure " + IMAGE + " " + SCRIPT, "in_scope")]),
    ]


def with_split_suite(log, suite_file):
    """`log` (two models) with the split suite of `suite_file` added: base echoes each user turn; trained opens s-3
    with "Sure" (a gained item), opens s-1 otherwise (a lost item) and is cut off at its token limit on s-2."""
    from rnr_dspy.evals.log import SuiteLog
    from rnr_dspy.evals.rnr_suite import rnr_task
    from rnr_dspy.evals.task import Generation, ScoredSample

    task = rnr_task(suite_file)
    changed = {"s-1": Generation(text="Hello, boil it for seven minutes."),
               "s-2": Generation(text="Pasta is a fine idea and", truncated=True),
               "s-3": Generation(text="Sure, fry day-old rice in a very hot pan.")}
    for run, answers in zip(log.runs, ({}, changed), strict=True):
        generations = [answers.get(sample.id, Generation(text=sample.user)) for sample in task.dataset]
        scored = [ScoredSample(sample=sample, generation=generation, score=task.score(sample, generation))
                  for sample, generation in zip(task.dataset, generations, strict=True)]
        units = {name: {s.sample.id: unit for s, unit in zip(scored, values, strict=True)}
                 for name, values in task.units(scored).items()}
        run.suites.append(SuiteLog(task=task.name, metrics=task.metrics(scored), samples=scored, notes=task.notes,
                                   units=units))
    return log
