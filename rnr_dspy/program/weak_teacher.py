"""Defaults for a teacher too weak to write rules, user turns or judgements: the embedded model (SmolLM2-135M).

Left to itself it writes the same rule several times, copies a seed sentence as a rule, asks questions as rules and
judges every answer a pass; its user turns rarely parse and, when they do, are no requests at all ("The user is
unable to assist me"); asked in DSPy's field format, it copies the field markers into its answers. So, as in the
shipped `embedded-smollm2` recipe, a stage whose teacher is weak takes rules the code decides (drawn from the
checker registry, or chosen among its checks), no LM judge, user turns composed from the seeds and a responder
asked in the chat format — for every setting left unset. A setting given explicitly is always kept, and the stage
reports which defaults it applied.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["WEAK_TEACHERS", "apply_weak_teacher_defaults"]

WEAK_TEACHERS = frozenset({"embedded"})


def apply_weak_teacher_defaults(config: BaseModel, usual: dict[str, Any], weak: dict[str, Any]) -> list[str]:
    """Fill each setting of `usual` that is still None: with its `weak` value when `config.lm` is a weak teacher,
    else with its usual value. Returns a note naming the weak-teacher values applied (empty when none were)."""
    teacher = getattr(config, "lm", None)
    is_weak = teacher in WEAK_TEACHERS
    applied = []
    for name, value in usual.items():
        if getattr(config, name) is not None:
            continue
        chosen = weak[name] if is_weak and name in weak else value
        setattr(config, name, chosen)
        if is_weak and name in weak:
            applied.append(f"{name}={chosen}")
    if not applied:
        return []
    return [f"the teacher {teacher!r} is too weak to write rules, user turns or judgements, so these settings "
            f"default as in the embedded-smollm2 recipe: {', '.join(applied)}; set them to override"]
