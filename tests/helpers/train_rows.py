"""Rows in the formats `rnr-dspy generate` writes, for the training tests."""

import json

SYSTEM = "You are a terse cooking assistant.\n\n1. Answer in under 20 words.\n2. End with 'Bon appetit.'"


def sft_row(index: int, answer: str = "Boil salted water, add pasta, stir. Bon appetit.") -> dict:
    return {"id": f"row-{index}", "seed_id": f"seed-{index}", "program_hash": "abc",
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": f"How do I cook pasta number {index}?"},
                         {"role": "assistant", "content": answer}]}


def dpo_row(index: int) -> dict:
    return {"id": f"pref-{index}",
            "prompt": [{"role": "system", "content": SYSTEM},
                       {"role": "user", "content": f"How do I cook rice number {index}?"}],
            "chosen": [{"role": "assistant", "content": "Rinse, simmer covered for 15 minutes. Bon appetit."}],
            "rejected": [{"role": "assistant", "content": "Rice is a grain grown in paddies across Asia, and it "
                                                          "has a long and interesting history of cultivation."}]}


def write_jsonl(path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))


def prompt_record(index: int, turn_type: str = "in_scope") -> dict:
    """A prompt record of `generated.jsonl`, as GRPO reads it: the system prompt, the user turn, the rules."""
    # Limits that random text from the tiny model meets about half the time, so a GRPO group's rewards differ.
    rules = [{"id": "r1", "kind": "length", "text": "Answer in at most 5 words.",
              "check": {"name": "max_words", "limit": 5}},
             {"id": "r2", "kind": "style", "text": "Never use a comma.", "check": {"name": "no_commas"}}]
    return {"stage": "prompt", "key": f"p{index}", "status": "failed", "turn_type": turn_type,
            "system_prompt": SYSTEM, "user": f"How do I cook beans number {index}?", "rules": rules, "attempts": []}
