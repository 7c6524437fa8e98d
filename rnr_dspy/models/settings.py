"""`LMSettings`: how a stage reaches its language models (server, key, engine threads, timeouts, retries), declared
once for every stage that calls an LM (compile, generate, eval) and handed to `make_lm` as they are."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.config import JsonDict

from rnr_dspy.models.response_format import StructuredOutput
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT

__all__ = ["LM_PANEL", "LMSettings"]

# Where a field's flag is listed in `--help` (`json_schema_extra={"panel": ...}`; unset: the command's own panel).
LM_PANEL: JsonDict = {"panel": "Language models"}


class LMSettings(BaseModel):
    """The connection settings every LM of a stage shares; a stage config inherits them (flat flags: `--api-base`).

    Example:
        >>> LMSettings(api_base="http://localhost:8000/v1", num_retries=1).lm_kwargs(max_tokens=64)["num_retries"]
        1
    """

    model_config = ConfigDict(extra="forbid")

    api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp's "
                                 "server, ...); several servers of the model comma-separated (or a YAML list): "
                                 "each request goes to the least busy, a failing one is set aside.",
                                 json_schema_extra=LM_PANEL)
    api_key: SecretStr | None = Field(None, exclude=True, description="API key of the server (never written to "
                                      "reports, logs or configs).",
                                      json_schema_extra={**LM_PANEL, "envvar": "RNR_DSPY_API_KEY"})
    engine_threads: int | None = Field(None, ge=1, le=512, description="CPU threads of the embedded/GGUF engine "
                                       "(llama.cpp; default: every core).", json_schema_extra=LM_PANEL)
    request_timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=3600, description=(
        "Seconds a request to a served LM (--api-base or a hosted API) may wait for its answer before it counts as "
        "failed; raise it for slow servers and long answers. In-process models have no timeout."),
        json_schema_extra=LM_PANEL)
    num_retries: int = Field(DEFAULT_RETRIES, ge=0, le=20, description=(
        "Retries of a served LM's request that timed out, was rate limited (429) or hit a server error (5xx), with "
        "backoff of 1, 2, 4 s (a server's Retry-After is honoured up to 60 s); then the call counts as failed. "
        "After 3 calls in a row failed every try, the LM is not called again in that run."),
        json_schema_extra=LM_PANEL)
    max_in_flight: int | None = Field(None, ge=1, le=65536, description=(
        "Requests a served LM may have outstanding on each of its servers (default: as many as the stage sends, "
        "up to 1,024): the stage's threads keep them coming, this caps what one server is given."),
        json_schema_extra=LM_PANEL)
    structured_output: StructuredOutput = Field("auto", description=(
        "The response_format a served LM's requests carry: auto (the JSON schema, and the form a server takes once "
        "it refuses that: json_object with the schema, plain json_object, none), json_schema, json_object, or none "
        "(the JSON asked for in the prompt alone)."), json_schema_extra=LM_PANEL)

    @field_validator("api_base", mode="before")
    @classmethod
    def _servers(cls, value: Any) -> Any:
        return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value

    @property
    def api_key_value(self) -> str | None:
        """The API key itself (None when unset)."""
        return self.api_key.get_secret_value() if self.api_key else None

    def lm_kwargs(self, **settings: Any) -> dict[str, Any]:
        """The keyword arguments of `make_lm` these settings give (the key unwrapped), `settings` on top."""
        return {"api_base": self.api_base, "api_key": self.api_key_value, "engine_threads": self.engine_threads,
                "timeout": self.request_timeout, "num_retries": self.num_retries, "max_in_flight": self.max_in_flight,
                "structured_output": self.structured_output, **settings}
