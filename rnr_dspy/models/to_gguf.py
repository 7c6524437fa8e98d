"""A trained model back into llama.cpp's format: the Hugging Face weights written as a GGUF with the metadata
(architecture, tokenizer, chat template) of the GGUF it was converted from. llama.cpp then serves it several times
faster than transformers on a CPU, and the base model can be written the same way for a like-for-like comparison.

Q8_0 by default: llama.cpp decodes it on the CPU's matrix units where it has them, which it does not for F16
(several times faster, the same scores), and its rounding is below what training changes.

Only Llama-architecture models with the template's shapes qualify (the embedded model and what was trained from
it); other models stay Hugging Face directories.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

__all__ = ["GGUFType", "write_gguf"]

GGUFType = Literal["Q8_0", "F16"]


def write_gguf(model_dir: Path, template: Path, out: Path, file_type: GGUFType = "Q8_0") -> Path:
    """Write `model_dir` (a Hugging Face Llama directory) to `out` as a GGUF of `file_type` with `template`'s
    metadata."""
    import gguf
    from safetensors.torch import load_file

    config = json.loads((model_dir / "config.json").read_text())
    reader = gguf.GGUFReader(template)
    architecture = reader.fields["general.architecture"].contents()
    if config.get("model_type") != architecture:
        raise ValueError(f"{model_dir} is a {config.get('model_type')} model; {template} is {architecture}")
    partial = out.with_suffix(".gguf.partial")
    writer = gguf.GGUFWriter(str(partial), architecture)
    for field in reader.fields.values():
        if field.name == "general.architecture" or field.name.startswith("GGUF.") or field.name == "general.file_type":
            continue
        kind = field.types[0]
        writer.add_key_value(field.name, field.contents(), kind,
                             sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config["num_hidden_layers"])
    expected = {tensor.name for tensor in reader.tensors}
    state = {}
    for shard in sorted(model_dir.glob("*.safetensors")):
        state.update(load_file(shard))
    for hf_name, tensor in state.items():
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None or name not in expected:
            continue  # e.g. lm_head.weight of a tied model: the GGUF reuses token_embd
        writer.add_tensor(name, _gguf_array(hf_name, tensor.float().numpy(), config))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if file_type != "F16":
        from rnr_dspy.models.llama_native import quantize

        quantized = out.with_suffix(f".{file_type}.partial")
        quantize(partial, quantized, file_type)
        os.replace(quantized, partial)
    os.replace(partial, out)
    return out


def _gguf_array(hf_name: str, array: Any, config: dict[str, Any]) -> Any:
    # llama.cpp lays out the query and key rows of each head for its rotary embedding: interleaved halves.
    heads = {"q_proj": config["num_attention_heads"],
             "k_proj": config.get("num_key_value_heads", config["num_attention_heads"])}
    for projection, count in heads.items():
        if f".{projection}." in hf_name:
            shape = array.shape
            array = array.reshape(count, 2, shape[0] // count // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)
    return array.astype("float16") if array.ndim > 1 else array.astype("float32")
