"""The RNR program: the per-group flow that `rnr-dspy compile` optimizes and `rnr-dspy generate` runs.

instructions → role → rules → user turns → responses → verdicts. Generation runs this very `forward`; it only
passes a `memo` that stores each step's result under a content hash, so a run resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import dspy
from dspy.utils.exceptions import AdapterParseError
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from rnr_dspy.errors import ConfigError
from rnr_dspy.models.settings import LM_PANEL
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.program.answer import Answer, AnswerSettings, answer_under_rules
from rnr_dspy.program.composed_roles import composed_role
from rnr_dspy.program.composed_turns import COMPOSED_TURNS, composed_turns
from rnr_dspy.program.modules import RoleGenerator, RuleFollowingResponder, RuleGenerator, RuleJudge, UserTurnGenerator
from rnr_dspy.program.weak_teacher import WEAK_TEACHERS, apply_weak_teacher_defaults
from rnr_dspy.rules import SystemPrompt, TurnType
from rnr_dspy.rules.sampling import sample_rules
from rnr_dspy.runtime.parallel import parallel_map

__all__ = ["Memo", "ProgramSettings", "RNRProgram", "RoleSource", "RuleSource", "load_program", "run_step",
           "save_program"]

RoleSource = Literal["lm", "composed"]
RuleSource = Literal["lm", "sampled"]

Memo = Callable[[str, Callable[[], Any], dict[str, Any]], Any]
"""`memo(step, run, inputs)` returns the result of `run()` for the step ("system", "turns" or "answer") with these
inputs, or a stored one."""


class ProgramSettings(BaseModel):
    """How the RNR program runs: where roles, rules and turns come from, how the responder is asked, and who
    judges. Declared once here; compile and generate inherit these fields (flat flags: `--rule-source`), so the
    program compile optimizes is the one generate runs, and `program.json` records them (`save_program`).

    Settings left unset default by the teacher (`lm`, a field of the stage config): a weak one's
    (`rnr_dspy.program.weak_teacher`) take the code-decided sources, else the LM's.
    """

    model_config = ConfigDict(extra="forbid")

    judge_lm: str | None = Field(None, description="Judge LM spec for rules without a check (default: the teacher); "
                                 "none: no judge, such rules stay unknown (so only fully checkable prompts pass).",
                                 json_schema_extra=LM_PANEL)
    checks_only: bool = Field(False, description="Rules are registry checks only (ChooseRuleChecks), each decided by "
                              "code: for a weak teacher, whose free-text rules and judgements are noise.")
    role_source: RoleSource = Field(
        "lm", description="lm: the LM writes each group's role; composed: a role naming the group's theme as its "
        "subject (no LM call; the LM's where the theme is a cluster id), so that a scope rule has a scope.")
    rule_source: RuleSource | None = Field(
        None, description="lm: the program writes the rules; sampled: compatible registry rules drawn without an LM "
        "(for a teacher too weak to write or choose rules). Default: sampled (and judge_lm none) for the embedded "
        "teacher, lm otherwise.")
    user_turns: bool = Field(True, description="Also generate and answer in-scope, adversarial and out-of-scope "
                             "user turns.")
    turn_source: RoleSource | None = Field(
        None, description="lm: the LM writes the user turns (composed ones where its do not parse); composed: an "
        "adversarial turn is one of the group's requests with an ask against one of its rules, an out-of-scope turn "
        "a request of another theme (no LM call). Default: composed for the embedded teacher, lm otherwise.")
    responder_prompt: Literal["fields", "chat"] | None = Field(
        None, description="How the responder is asked: fields: DSPy's structured prompt (the signature's "
        "instructions, the system prompt and user turn as fields); chat: the conversation itself (the system prompt "
        "as the system message, the user turn as the user message), as the trained model will be prompted. Default: "
        "chat for the embedded teacher (it copies the field markers into its answers), fields otherwise.")

    _notes: list[str] = PrivateAttr(default_factory=list)
    _defaults: dict[str, Any] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self._notes = apply_weak_teacher_defaults(self, **_TEACHER_DEFAULTS)
        weak = getattr(self, "lm", None) in WEAK_TEACHERS
        self._defaults = {**_TEACHER_DEFAULTS["usual"], **(_TEACHER_DEFAULTS["weak"] if weak else {})}

    @property
    def notes(self) -> list[str]:
        """Defaults these settings took because the teacher is weak (shown in the stage's report)."""
        return list(self._notes)

    def is_default(self, name: str) -> bool:
        """Whether the setting `name` (one the teacher decides the default of) holds that default, set or not."""
        return name in self._defaults and self._defaults[name] == getattr(self, name)

    @property
    def turns_per_group(self) -> int:
        """The user turns a group answers at most: the LM's three, or the composed ones."""
        return (COMPOSED_TURNS if self.turn_source == "composed" else 3) * self.user_turns

    @property
    def use_judge(self) -> bool:
        """False when `judge_lm` is `none`: rules without a check stay unknown."""
        return self.judge_lm != "none"

    def program_settings(self) -> dict[str, Any]:
        """The settings themselves (resolved, by field name), without the rest of a stage config that holds them."""
        return {name: getattr(self, name) for name in ProgramSettings.model_fields}

    def make_program(self, judge_lm: dspy.BaseLM | None, answering: AnswerSettings | None = None) -> RNRProgram:
        """The RNR program these settings describe: compile optimizes, generate runs and `--dry-run` shows the same
        flow. `judge_lm: none` leaves rules without a check unknown."""
        return RNRProgram(judge_lm=judge_lm, use_judge=self.use_judge, checks_only=self.checks_only,
                          role_source=self.role_source, rule_source=self.rule_source or "lm",
                          user_turns=self.user_turns, turn_source=self.turn_source or "lm", answering=answering)

    def adapter(self) -> StructuredAdapter:
        """The adapter the program runs under (`responder_prompt` decides how the responder is asked)."""
        return StructuredAdapter(chat_turns=self.responder_prompt == "chat")


_TEACHER_DEFAULTS: dict[str, dict[str, Any]] = {
    "usual": {"rule_source": "lm", "judge_lm": None, "turn_source": "lm", "responder_prompt": "fields"},
    "weak": {"rule_source": "sampled", "judge_lm": "none", "turn_source": "composed", "responder_prompt": "chat"},
}


def run_step(step: str, run: Callable[[], Any], inputs: dict[str, Any]) -> Any:
    """The memo that stores nothing: every step runs."""
    return run()


class RNRProgram(dspy.Module):
    """The RNR pipeline on one group of instructions that share a theme.

    Args:
        judge_lm: the LM that judges rules without a check (default: the LM in the DSPy context).
        use_judge: False leaves rules without a check unknown (a weak model's judgement is noise).
        checks_only: the LM only chooses registry checks; every rule is decided by code.
        role_source: "lm" (the program writes the role) or "composed" (`rnr_dspy.program.composed_roles`: a role
            naming the group's theme, without an LM; the program's where the theme names no subject).
        rule_source: "lm" (the program writes the rules) or "sampled" (compatible registry rules drawn without
            an LM, seeded by `seed`).
        user_turns: also generate and answer in-scope, adversarial and out-of-scope user turns.
        turn_source: "lm" (the program writes the turns; where they do not parse, composed ones take their place)
            or "composed" (`rnr_dspy.program.composed_turns`, without an LM).
        answering: how each prompt is answered (samples, repair, hindsight rules).

    Example:
        >>> program = RNRProgram()
        >>> with dspy.context(lm=make_lm("embedded"), adapter=StructuredAdapter()):  # doctest: +SKIP
        ...     pred = program(instructions=["Plan a 3-day trip to Kyoto.", "What should I pack for Iceland?"])
        >>> pred.system_prompt, [answer.best().response for answer in pred.answers]  # doctest: +SKIP
    """

    def __init__(self, judge_lm: dspy.BaseLM | None = None, use_judge: bool = True, checks_only: bool = False,
                 role_source: RoleSource = "lm", rule_source: RuleSource = "lm",
                 user_turns: bool = False, turn_source: RoleSource = "lm",
                 answering: AnswerSettings | None = None) -> None:
        super().__init__()
        for name, value, allowed in (("role_source", role_source, RoleSource), ("rule_source", rule_source,
                                     RuleSource), ("turn_source", turn_source, RoleSource)):
            _one_of(name, value, get_args(allowed))
        self.role_generator = RoleGenerator()
        self.rule_generator = RuleGenerator(checks_only=checks_only)
        self.turn_generator = UserTurnGenerator()
        self.responder = RuleFollowingResponder()
        self.judge = RuleJudge(judge_lm=judge_lm, use_judge=use_judge)
        self.role_source, self.rule_source = role_source, rule_source
        self.user_turns = user_turns
        self.turn_source = turn_source
        self.answering = answering or AnswerSettings()

    def forward(self, instructions: list[str], user: str | None = None, turn_type: TurnType = "in_scope",
                theme: str = "", seed: str = "", memo: Memo = run_step,
                outside: Sequence[str] = ()) -> dspy.Prediction:
        """Answers `user` (default: every instruction) and, with `user_turns`, the generated turns. `outside`:
        requests from other themes, one of which becomes the composed out-of-scope turn.

        The prediction carries the group's `role`, `rules`, `system_prompt` and one `Answer` per turn in
        `answers`; `user`, `turn_type`, `response` and `verdicts` are those of the first turn's best attempt.
        """
        system: SystemPrompt = memo("system", lambda: self._system(instructions, theme, seed),
                                    {"instructions": instructions, "theme": theme})
        prompts: list[tuple[TurnType, str]] = [(turn_type, user)] if user else [("in_scope", i) for i in instructions]
        if self.user_turns:
            prompts += self._turns(system, instructions, outside, seed, memo)
        # A group's prompts are answered concurrently: a batching engine or server decodes them together.
        answers: list[Answer] = list(parallel_map(
            lambda prompt: memo("answer", lambda: self._answer(system, *prompt, seed),
                                {"system": system, "turn_type": prompt[0], "user": prompt[1]}),
            prompts, num_threads=len(prompts)))
        first = answers[0].best()
        return dspy.Prediction(
            role=system.role, rules=system.rules, system_prompt=system.render(), answers=answers,
            user=answers[0].user, turn_type=answers[0].turn_type, response=first.response if first else None,
            verdicts=first.verdicts if first else [],
        )

    async def aforward(self, instructions: list[str], user: str | None = None, turn_type: TurnType = "in_scope",
                       theme: str = "", seed: str = "", memo: Memo = run_step,
                       outside: Sequence[str] = ()) -> dspy.Prediction:
        # The answering loop samples, judges and repairs in turn; it runs in a worker thread (DSPy's context
        # travels with it), leaving the event loop free.
        return await asyncio.to_thread(self.forward, instructions, user=user, turn_type=turn_type, theme=theme,
                                       seed=seed, memo=memo, outside=outside)

    def _system(self, instructions: list[str], theme: str, seed: str) -> SystemPrompt:
        composed = composed_role(theme, seed) if self.role_source == "composed" else None
        role = composed or self.role_generator(instructions=instructions).role
        if self.rule_source == "sampled":
            rules = sample_rules(instructions, theme, seed=seed)
        else:
            rules = self.rule_generator(role=role, instructions=instructions).rules
        return SystemPrompt(role=role, rules=rules)

    def _turns(self, system: SystemPrompt, instructions: list[str], outside: Sequence[str], seed: str,
               memo: Memo) -> list[tuple[TurnType, str]]:
        turns = []
        if self.turn_source == "lm":
            try:
                turns = memo("turns", lambda: self.turn_generator(system_prompt=system.render()).turns,
                             {"system": system})
            except AdapterParseError:
                pass  # turns that did not parse (a weak teacher's): composed ones take their place
        return turns or composed_turns(system, instructions, outside, seed)

    def _answer(self, system: SystemPrompt, turn_type: TurnType, user: str, seed: str) -> Answer:
        attempts = answer_under_rules(self.responder, self.judge, self.answering, system_prompt=system.render(),
                                      user=user, rules=system.rules, turn_type=turn_type, role=system.role,
                                      seed=f"{seed}:{turn_type}:{user}")
        return Answer(turn_type=turn_type, user=user, attempts=attempts)


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> None:
    # A misspelt source would otherwise quietly fall back to the LM.
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")


# The key of `program.json` under which `save_program` records the settings that built the program.
SETTINGS_KEY = "rnr_program_settings"


def save_program(program: RNRProgram, path: Path, settings: ProgramSettings) -> None:
    """Write `program`'s state to `path` (DSPy's `program.json`), with the `settings` that built it."""
    program.save(str(path))
    state = json.loads(path.read_text(encoding="utf-8"))
    state[SETTINGS_KEY] = settings.program_settings()
    path.write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")


def load_program(program: RNRProgram, path: Path, settings: ProgramSettings | None = None, *,
                 accept_other_settings: bool = False) -> RNRProgram:
    """`program` with the state `rnr-dspy compile` saved at `path` (its `program.json`).

    Raises `ConfigError` naming the file when it cannot be read or is not such a state, and, given the `settings`
    it is to run under, when the file records other ones (unless `accept_other_settings`): its prompts and demos
    were optimized for the flow those settings make. A file that records none (compiled before they were recorded)
    is not checked.
    """
    try:
        program.load(str(path))
        recorded = json.loads(path.read_text(encoding="utf-8")).get(SETTINGS_KEY)
    except OSError as error:
        raise ConfigError(f"cannot read the program {path}: {error.strerror or error}") from error
    except Exception as error:  # DSPy's loader fails with whatever the JSON's shape trips over
        raise ConfigError(f"{path} is not a program saved by rnr-dspy compile (a program.json): "
                          f"{type(error).__name__}: {error}") from error
    if settings is not None and isinstance(recorded, dict) and not accept_other_settings:
        now = settings.program_settings()
        changed = [f"{name}: {recorded.get(name, '(unset)')!r} when compiled, {now[name]!r} now"
                   for name in now if name in recorded and recorded[name] != now[name]]
        if changed:
            raise ConfigError(f"program: {path} was compiled under other program settings ({'; '.join(changed)}): "
                              "run it under the settings it was compiled with, compile it again under these, or "
                              "pass --accept-program-settings (accept_program_settings: true) to run it anyway")
    return program
