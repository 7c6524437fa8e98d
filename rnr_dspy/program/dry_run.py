"""Render the prompts a program would send, without calling an LM (`--dry-run`)."""

from __future__ import annotations

from typing import Any

import dspy

from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.program.rnr_program import RNRProgram

__all__ = ["render_prompts"]


def render_prompts(program: RNRProgram, instructions: list[str], user: str,
                   adapter: dspy.Adapter | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
    """The chat messages of each stage for one group of instructions. Inputs that an earlier stage would
    produce are shown as placeholders."""
    adapter = adapter or StructuredAdapter()
    stages = [
        (program.role_generator.generate, {"seed_instructions": instructions}),
        (program.rule_generator.generate, {"role": "<role from GenerateRole>", "seed_instructions": instructions}),
        (program.turn_generator.generate, {"system_prompt": "<role and rules rendered as the system prompt>"}),
        (program.responder.respond, {"system_prompt": "<role and rules rendered as the system prompt>", "user": user}),
        (program.judge.judge, {"system_prompt": "<system prompt>", "user": user, "response": "<response>",
                               "rules": "<rules without a check>"}),
    ]
    return [
        (predictor.signature.__name__, adapter.format(predictor.signature, predictor.demos, inputs))
        for predictor, inputs in stages
    ]
