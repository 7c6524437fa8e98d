"""Asking a program or a bare LM for an answer again, with a hint on what its last answer got wrong.

A DSPy module gets the hint as one more input field of every predictor it calls (the mechanism of DSPy's
`Refine`), through whatever adapter is in effect; a bare LM gets its last answer and the hint as two more chat
turns.
"""

from __future__ import annotations

import copy
from contextlib import ExitStack
from typing import Any

import dspy
from dspy.lm15 import Config, Message, Request

from rnr_dspy.program.adapter import StructuredAdapter

__all__ = ["aask_with_hint", "ask_with_hint"]

_FIELD = "feedback"
_FIELD_DESC = "What was wrong with an earlier answer to these same inputs; this answer must not repeat it."


def _request(lm: dspy.BaseLM, system_prompt: str, user: str, hint: str | None, previous: str | None,
             lm_updates: dict[str, Any]) -> Request:
    """A raw chat request, so that no DSPy prompt wraps the system prompt; a retry is a new rollout (its own
    temperature and seed)."""
    turns = [Message.user(user)]
    if hint is not None:
        turns += [Message.assistant(previous or ""), Message.user(hint)]
    config = Config(max_tokens=lm.kwargs.get("max_tokens"),
                    temperature=lm_updates.get("temperature", lm.kwargs.get("temperature")),
                    seed=lm_updates.get("rollout_id"))
    return Request(model=lm.model, system=system_prompt, messages=tuple(turns), config=config)


def _hinted(hint: str) -> dspy.Adapter:
    """The adapter in effect (or the project's), adding the hint as an input field of every call."""
    base = dspy.settings.adapter or StructuredAdapter()

    def with_hint(signature: Any, inputs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return signature.append(_FIELD, dspy.InputField(desc=_FIELD_DESC)), {**inputs, _FIELD: hint}

    def call(self: Any, lm: Any, lm_kwargs: Any, signature: Any, demos: Any, inputs: Any) -> Any:
        signature, inputs = with_hint(signature, inputs)
        return base(lm, lm_kwargs, signature, demos, inputs)

    async def acall(self: Any, lm: Any, lm_kwargs: Any, signature: Any, demos: Any, inputs: Any) -> Any:
        signature, inputs = with_hint(signature, inputs)
        return await base.acall(lm, lm_kwargs, signature, demos, inputs)

    hinted = copy.copy(base)
    hinted.__class__ = type(f"Hinted{type(base).__name__}", (type(base),), {"__call__": call, "acall": acall})
    return hinted


def _module_context(hint: str | None, lm_updates: dict[str, Any]) -> ExitStack:
    stack = ExitStack()
    lm = dspy.settings.lm
    settings: dict[str, Any] = {}
    if lm_updates and lm is not None:
        settings["lm"] = lm.copy(**lm_updates)
    if hint is not None:
        settings["adapter"] = _hinted(hint)
    if settings:
        stack.enter_context(dspy.context(**settings))
    return stack


def ask_with_hint(program: dspy.Module | dspy.BaseLM, system_prompt: str, user: str, hint: str | None,
                  previous: str | None, *, output_field: str, lm_updates: dict[str, Any]) -> str:
    """`program`'s answer to `user` under `system_prompt`; with `hint`, asked again after `previous`."""
    if isinstance(program, dspy.BaseLM):
        return program(_request(program, system_prompt, user, hint, previous, lm_updates)).text or ""
    with _module_context(hint, lm_updates):
        return str(getattr(program(system_prompt=system_prompt, user=user), output_field))


async def aask_with_hint(program: dspy.Module | dspy.BaseLM, system_prompt: str, user: str, hint: str | None,
                         previous: str | None, *, output_field: str, lm_updates: dict[str, Any]) -> str:
    """`ask_with_hint` on DSPy's async path."""
    if isinstance(program, dspy.BaseLM):
        return (await program.acall(_request(program, system_prompt, user, hint, previous, lm_updates))).text or ""
    with _module_context(hint, lm_updates):
        return str(getattr(await program.acall(system_prompt=system_prompt, user=user), output_field))
