"""Seeds for generation: load, truncate, dedup, drop what overlaps the shipped eval sets, group by theme."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.contamination import EvalOverlap, shipped_eval_prompts
from rnr_dspy.generate.themes import stored_tfidf_themes, tfidf_themes
from rnr_dspy.seeds.data import Seed, group_seeds, load_seeds

__all__ = ["MAX_PROBLEMS_REPORTED", "prepare_groups", "tfidf_themes"]

# The report lists the first seed problems (file:line: what is wrong) and counts them all.
MAX_PROBLEMS_REPORTED = 100


def prepare_groups(config: GenerateConfig, themes_file: Path | None = None) -> tuple[list[list[Seed]], dict[str, Any]]:
    """Groups of up to `k` seeds sharing a theme, and a report of what happened to the seeds on the way.
    `themes_file` keeps the TF-IDF themes of seeds that have none (see `rnr_dspy.generate.themes`)."""
    loaded = load_seeds(config.seeds, columns=config.columns, limit=config.limit)
    truncated = 0
    seen: set[str] = set()
    duplicates = contaminated = 0
    overlap = EvalOverlap(shipped_eval_prompts())
    kept: list[Seed] = []
    for seed in loaded.seeds:
        if len(seed.instruction) > config.max_instruction_chars:
            seed = seed.model_copy(update={"instruction": seed.instruction[: config.max_instruction_chars]})
            truncated += 1
        key = " ".join(re.findall(r"\w+", seed.prompt.lower()))
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        if overlap.overlaps(seed.prompt):
            contaminated += 1
            continue
        kept.append(seed)
    if config.grouping == "tfidf" or all(seed.theme is None for seed in kept):
        kept = stored_tfidf_themes(kept, config.k, config.seed, themes_file)
    groups = group_seeds(kept, config.k, shuffle_seed=config.seed) if kept else []
    report = {
        "source": loaded.source, "loaded": len(loaded.seeds), "kept": len(kept), "groups": len(groups),
        "duplicates": duplicates, "contaminated": contaminated, "truncated": truncated,
        "problem_count": len(loaded.problems),
        "problems": [str(problem) for problem in loaded.problems[:MAX_PROBLEMS_REPORTED]],
        "smaller_than_k": len(kept) < config.k,
    }
    return groups, report

