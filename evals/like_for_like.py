"""One back end and one precision for every model of an eval, so a difference between two models is theirs and
not their back ends'.

With `--backend auto`, a run that mixes GGUF models (the embedded one included) with Hugging Face directories
(what `rnr-dspy train` writes) evaluates every local model as a GGUF of one type on llama.cpp: each is written
once (`rnr_dspy.models.to_gguf`) with the first GGUF model's metadata and cached. Where a directory does not have
that model's shapes, every model runs on transformers instead. Anything left unlike (a served model beside local
ones, a back end chosen by hand) is named by `rnr_dspy.evals.comparable.differences` and warned of.

Example:
    >>> comparable_specs(["embedded", "local:runs/x/model"], "auto")  # doctest: +SKIP
    (['local:~/.cache/rnr-dspy/gguf/hf-….q8_0.gguf', 'local:~/.cache/rnr-dspy/gguf/model-….q8_0.gguf'], 'auto')
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rnr_dspy.evals.solvers import Backend
from rnr_dspy.models.spec import ModelSpec

__all__ = ["EVAL_GGUF_TYPE", "comparable_specs"]

# The type every model is written as: its rounding is below what training changes (see `rnr_dspy.models.to_gguf`).
EVAL_GGUF_TYPE = "Q8_0"
# What must agree for a directory's weights to fill a GGUF written with another model's metadata.
_SHAPES = ("model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
           "num_key_value_heads", "vocab_size")


def comparable_specs(specs: list[str], backend: Backend) -> tuple[list[str], Backend]:
    """The model specs to run in place of `specs`, and the back end for all of them (see the module's doc)."""
    parsed = [ModelSpec.parse(spec) for spec in specs]
    ggufs = [model for model in parsed if model.kind in ("gguf", "embedded")]
    if backend != "auto" or not ggufs or not any(model.kind == "hf_dir" for model in parsed):
        return specs, backend
    from rnr_dspy.models.convert import hf_model_dir

    template = ggufs[0]
    if len({_shapes(hf_model_dir(model)) for model in parsed if model.is_local}) > 1:
        return specs, "transformers"
    return [_as_gguf(model, template.gguf_file()) if model.is_local else model.text for model in parsed], backend


def _as_gguf(model: ModelSpec, template: Path) -> str:
    from rnr_dspy.models.convert import cache_root, hf_model_dir
    from rnr_dspy.models.llama_native import gguf_file_type
    from rnr_dspy.models.to_gguf import write_gguf

    if model.kind != "hf_dir" and gguf_file_type(model.gguf_file()) == EVAL_GGUF_TYPE:
        return model.text
    source = hf_model_dir(model)
    target = cache_root() / "gguf" / f"{source.name}-{_weights_key(source, template)}.{EVAL_GGUF_TYPE.lower()}.gguf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_gguf(source, template, target, EVAL_GGUF_TYPE)
    return f"local:{target}"


def _shapes(model_dir: Path) -> tuple[object, ...]:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return tuple(config.get(key) for key in _SHAPES)


def _weights_key(model_dir: Path, template: Path) -> str:
    # The same weights written with the same metadata are one file; retrained weights are another.
    weights = sorted(model_dir.glob("*.safetensors"))
    stats = [(path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in weights]
    return hashlib.sha256(repr((str(model_dir.resolve()), stats, template.name)).encode()).hexdigest()[:12]
