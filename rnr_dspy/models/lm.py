"""One factory from an LM spec (parsed by `rnr_dspy.models.spec.ModelSpec`) to a `dspy.LM`: `embedded` and
`local:FILE.gguf` run in process on llama.cpp (one loaded model per file), `local:DIR` on transformers, and a
`provider/model` string through LiteLLM (with `api_base` for an OpenAI-compatible server).
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
from rnr_dspy.models.model_table import memoize_model_info
from rnr_dspy.models.reply_cache import use_reply_cache
from rnr_dspy.models.response_format import StructuredOutput
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT, ServedLM
from rnr_dspy.models.server_auth import key_settings, refuse_credentials_in_url
from rnr_dspy.models.server_pool import split_api_base
from rnr_dspy.models.spec import EMBEDDED_MODEL_FILE, ModelSpec, embedded_model_path
from rnr_dspy.runtime.masking import mask_credentials, mask_library_logs

__all__ = ["EMBEDDED_MODEL_FILE", "embedded_model_path", "lm_id", "make_lm"]


def make_lm(spec: str | ModelSpec = "embedded", *, api_base: str | list[str] | None = None,
            api_key: str | None = None, temperature: float = 0.0, max_tokens: int = 1024, cache: bool = True,
            timeout: float = DEFAULT_TIMEOUT, num_retries: int = DEFAULT_RETRIES, max_in_flight: int | None = None,
            engine_options: dict[str, Any] | None = None, engine_threads: int | None = None,
            engine_batch: int | None = None, structured_output: StructuredOutput = "auto", **kwargs: Any) -> dspy.LM:
    """Resolve an LM spec (see `ModelSpec`) to a `dspy.LM`; `api_base` and `api_key` apply to remote models.

    A served model (a provider/model string) becomes a `ServedLM`: each request waits at most `timeout` seconds,
    and a failure worth retrying is retried `num_retries` times, each wait reported. `api_base` may name several
    servers of the model (a list or comma-separated): requests go to the least busy, at most `max_in_flight` on
    each; `structured_output` is the `response_format` it sends (auto: the form each server takes, see
    `rnr_dspy.models.response_format`). In-process models ignore these.

    `engine_options` configure the llama.cpp engine of a GGUF model (`LlamaCppEngine` arguments such as `parallel`
    and `n_ctx`), `engine_threads` its CPU threads (default: every core) and `engine_batch` the requests it decodes
    together (its `parallel`); LMs made with the same file and options share one engine.

    Example:
        >>> lm = make_lm("embedded")  # doctest: +SKIP
        >>> lm = make_lm("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", api_base="http://localhost:8000/v1")  # doctest: +SKIP
    """
    use_reply_cache()
    settings = {"temperature": temperature, "max_tokens": max_tokens, "cache": cache, **kwargs}
    servers = ",".join(split_api_base(api_base)) or None
    parsed = spec if isinstance(spec, ModelSpec) else ModelSpec.parse(spec, api_base=servers)
    gguf = parsed.kind in ("gguf", "embedded")
    # Threads and batch are stage settings for whatever model it runs; only an in-process GGUF engine takes them.
    stage_options = {"n_threads": engine_threads, "parallel": engine_batch} if gguf else {}
    options = {**(engine_options or {}), **{name: value for name, value in stage_options.items() if value}}
    if options and not gguf:
        raise LMSpecError(f"engine options {sorted(options)} apply to GGUF models only, not to {parsed.name!r}")
    if parsed.kind == "remote":
        mask_library_logs()
        memoize_model_info()
        base = parsed.api_base or servers
        for server in split_api_base(base):
            refuse_credentials_in_url(server)
        return ServedLM(parsed.name, api_base=base, **key_settings(parsed.name, api_key, base), timeout=timeout,
                        num_retries=num_retries, max_in_flight=max_in_flight, structured_output=structured_output,
                        **settings)
    if parsed.kind == "hf_dir" and parsed.path is not None:
        if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None:
            raise LMSpecError(f"{parsed.path} is a Hugging Face model directory: loading it needs transformers and "
                              "torch (pip install 'rnr-dspy[hf]')")
        from rnr_dspy.models.hf_engine import TransformersEngine

        return dspy.LM(parsed.name, engine=TransformersEngine(parsed.path), **settings)
    engine = _gguf_engine(parsed.gguf_file().resolve(), options)
    return dspy.LM(parsed.name, engine=engine, async_engine=AsyncLlamaCppEngine(engine), **settings)


def lm_id(lm: dspy.BaseLM) -> str:
    """A short, key-free identifier of an LM for provenance and reports."""
    return mask_credentials(str(lm.model))


_ENGINES: dict[tuple[Path, tuple[tuple[str, Any], ...]], LlamaCppEngine] = {}
_ENGINES_LOCK = threading.Lock()


def _gguf_engine(path: Path, options: dict[str, Any]) -> LlamaCppEngine:
    # One engine (one loaded model) per file and options, shared by every LM made from them.
    key = (path, tuple(sorted(options.items())))
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            try:
                _ENGINES[key] = LlamaCppEngine(path, **options)
            except (TypeError, ValueError) as error:
                raise LMSpecError(f"bad engine options for {path.name}: {error}") from None
        return _ENGINES[key]


@atexit.register
def _close_engines() -> None:
    # Free the models while the interpreter is intact; llama.cpp's own finalizer fails during shutdown.
    for engine in list(_ENGINES.values()):
        engine.close()
