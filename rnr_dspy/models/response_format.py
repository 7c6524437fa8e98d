"""Which structured output a served LM's requests carry, per server (the `structured_output` setting).

Servers differ in the `response_format` they take: vLLM, SGLang and llama.cpp's C++ server decode under a
`json_schema`; llama.cpp's Python server refuses it (HTTP 500/422, "Input should be 'text' or 'json_object'") but
decodes under a schema sent with `json_object`; some take plain JSON mode or no `response_format` at all.

- `json_schema`, `json_object`, `none`: every request carries that form (`none`: the JSON is asked for in the
  prompt alone).
- `auto` (default): a model at an `api_base` is sent the schema; a server that refuses it, naming
  `response_format`, is asked again at once in the next form (`json_object` with the schema, plain `json_object`,
  none), and that form is remembered for the server for the rest of the process. The refused request is no failed
  try: no row is lost to it. Without an `api_base` (a hosted API) DSPy's model table decides, as it would.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

from rnr_dspy.models.reply_cache import endpoint_key

__all__ = ["FORMS", "StructuredOutput", "StructuredOutputs", "forget_servers"]

StructuredOutput = Literal["auto", "json_schema", "json_object", "none"]
# The forms `auto` steps through, most constrained first.
FORMS = ("json_schema", "json_object_schema", "json_object", "none")

_WORDS = {"json_schema": "json_schema", "json_object_schema": "json_object with the schema",
          "json_object": "plain json_object", "none": "no response_format (JSON asked for in the prompt)"}
_logger = logging.getLogger(__name__)
_lock = threading.Lock()
_server_forms: dict[str, str] = {}  # the form a server was found to take, by endpoint (process-wide)


def forget_servers() -> None:
    """Forget the forms servers were found to take (a test's fresh start)."""
    with _lock:
        _server_forms.clear()


class StructuredOutputs:
    """The `structured_output` setting of one served LM: what it declares to the adapter, and the form each of its
    requests is sent in."""

    def __init__(self, setting: StructuredOutput = "auto", *, served_at_api_base: bool) -> None:
        if setting not in ("auto", "json_schema", "json_object", "none"):
            raise ValueError(f"structured_output {setting!r}: use auto, json_schema, json_object or none")
        self.setting = setting
        self.decides = setting != "auto" or served_at_api_base  # else DSPy's model table decides

    @property
    def declares_schema(self) -> bool:
        """Whether the LM tells the adapter it takes a response schema (and `response_format`): always where this
        setting decides, so the adapter sends the schema and `prepare` puts it in the form the server takes."""
        return self.decides

    def form(self, server: str) -> str:
        """The form a request to `server` goes out in."""
        if self.setting != "auto":
            return self.setting
        with _lock:
            return _server_forms.get(_key(server), FORMS[0])

    def prepare(self, server: str, kwargs: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """`kwargs` with their `response_format` in the form `server` takes, and that form."""
        form = self.form(server)
        sent = kwargs.get("response_format")
        if not self.decides or not isinstance(sent, dict):
            return kwargs, form
        rewritten = _in_form(sent, form)
        if rewritten is None:
            return {name: value for name, value in kwargs.items() if name != "response_format"}, form
        return {**kwargs, "response_format": rewritten}, form

    def refused(self, error: Exception, server: str, form: str, kwargs: dict[str, Any]) -> bool:
        """Whether `server` refused the `response_format` of a request sent in `form`, and a lesser form is now set
        for it (ask again at once); False for any other failure, or where the setting is fixed."""
        if "response_format" not in kwargs or not _names_response_format(error):
            return False
        if self.setting != "auto":
            _advise(error, self.setting)
            return False
        if not self.decides or form == FORMS[-1]:
            return False
        key = _key(server)
        with _lock:
            current = _server_forms.get(key, FORMS[0])
            if current != form:  # another request found it out first
                return True
            following = FORMS[FORMS.index(form) + 1]
            _server_forms[key] = following
        _logger.warning("%s refused response_format as %s; its requests go out as %s from now on (structured_output: "
                        "auto)", key or "the provider", _WORDS[form], _WORDS[following])
        return True


def _advise(error: Exception, setting: str) -> None:
    """Put first in the error's message that the server refused the fixed form, and the setting to change."""
    if error.args and isinstance(error.args[0], str):
        advice = (f"the server refused response_format as {setting} (structured_output: {setting}); set "
                  "structured_output to auto (--structured-output auto) to send the form it takes")
        error.args = (f"{advice}: {error.args[0]}", *error.args[1:])
        if isinstance(getattr(error, "message", None), str):
            error.message = error.args[0]  # type: ignore[attr-defined]


def _key(server: str) -> str:
    return endpoint_key(server) if server else ""


def _in_form(response_format: dict[str, Any], form: str) -> dict[str, Any] | None:
    """`response_format` as `form` sends it (None: not sent)."""
    if form == "none":
        return None
    if form == "json_schema" or response_format.get("type") == "text":
        return response_format
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
    else:
        schema = response_format.get("schema")
    if form == "json_object_schema" and schema is not None:
        return {"type": "json_object", "schema": schema}
    return {"type": "json_object"}


def _names_response_format(error: Exception) -> bool:
    status = getattr(error, "status", None)
    if isinstance(status, int) and status in (401, 403, 404, 408, 429):
        return False
    text = str(error).lower()
    return "response_format" in text or "json_schema" in text
