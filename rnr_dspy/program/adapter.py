"""`StructuredAdapter`: DSPy's JSON adapter, made exact for constrained decoders and kind to small models.

- Field constraints (`min_length`, `pattern`, list sizes) stay in the response schema it sends; `dspy.JSONAdapter`
  drops them. Constrained decoders (the embedded engine, vLLM's guided decoding) enforce exactly the schema they
  get, so a small model cannot stop after "You are". Replies are then held to the same constraints when parsed.
- A signature whose only output is plain text (a response) is answered in plain text, not wrapped in JSON: that is
  how the model will answer in deployment, and unconstrained text decodes several times faster.
- A reply that did not parse is never served again from DSPy's cache, and replies are cached per endpoint (see
  `rnr_dspy.models.reply_cache`).
- With `chat_turns=True`, a signature that answers a user under a system prompt (inputs `system_prompt` and
  `user`, a plain-text output) is sent as that conversation: the system prompt as the system message, the user's
  turn as the user message, demos as earlier exchanges. That is how the trained model will be prompted; a small
  teacher otherwise copies the field markers ("[[ ## user ## ]]") into its answers. The signature's instructions
  are not sent then: the system prompt is the instruction.
- Outputs are named, not templated (small models copy a `{"response": "{response}"}` placeholder verbatim), and
  typed outputs are described as compact types rather than raw JSON schema (see `rnr_dspy.program.schema_text`).
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import dspy
import pydantic
from dspy.adapters.utils import format_field_value, translate_field_type
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy.errors import describe_validation_error
from rnr_dspy.models.reply_cache import forgetting_unparsed_replies, use_reply_cache
from rnr_dspy.program.parses import counted_parse
from rnr_dspy.program.schema_text import describe_schema
from rnr_dspy.runtime.once import built_once
from rnr_dspy.runtime.parallel import stop_if_interrupted

__all__ = ["StructuredAdapter", "check_outputs"]


class StructuredAdapter(dspy.JSONAdapter):
    stops_when_interrupted = True  # see `rnr_dspy.runtime.parallel.stop_if_interrupted`

    def __init__(self, *args: Any, chat_turns: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chat_turns = chat_turns

    def __call__(self, lm: Any, lm_kwargs: dict[str, Any], signature: Any, demos: list[dict[str, Any]],
                 inputs: dict[str, Any]) -> list[dict[str, Any]]:
        stop_if_interrupted()
        use_reply_cache()
        with forgetting_unparsed_replies():
            return super().__call__(lm, lm_kwargs, signature, demos, inputs)

    async def acall(self, lm: Any, lm_kwargs: dict[str, Any], signature: Any, demos: list[dict[str, Any]],
                    inputs: dict[str, Any]) -> list[dict[str, Any]]:
        stop_if_interrupted()
        use_reply_cache()
        with forgetting_unparsed_replies():
            return await super().acall(lm, lm_kwargs, signature, demos, inputs)

    def format(self, signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
        if self.chat_turns and _is_chat_turn(signature):
            return _chat_turn_messages(signature, demos, inputs)
        return super().format(signature, demos, inputs)

    def _prepare_response_format(self, lm: Any, lm_kwargs: dict[str, Any], signature: Any) -> None:
        if _plain_text_field(signature):
            return None
        if "response_format" not in lm.supported_params or not lm.supports_response_schema:
            return super()._prepare_response_format(lm, lm_kwargs, signature)
        lm_kwargs["response_format"] = _response_format(signature)
        return None

    def _get_history_field_name(self, signature: Any) -> str | None:
        return _history_field(signature)

    def format_user_message_content(self, signature: Any, inputs: dict[str, Any], prefix: str = "", suffix: str = "",
                                    main_request: bool = False) -> str:
        # DSPy's, in the same text, but without a new pydantic TypeAdapter per value (see `_field_text`).
        parts = [prefix, *(f"[[ ## {name} ## ]]\n{_field_text(field, inputs[name])}"
                           for name, field in signature.input_fields.items() if name in inputs)]
        if main_request and (requirements := self.user_message_output_requirements(signature)) is not None:
            parts.append(requirements)
        return "\n\n".join([*parts, suffix]).strip()

    def format_field_structure(self, signature: Any) -> str:
        return _field_structure(signature)

    def user_message_output_requirements(self, signature: Any) -> str:
        plain = _plain_text_field(signature)
        return f"Reply with the {plain} text only." if plain else super().user_message_output_requirements(signature)

    def format_assistant_message_content(self, signature: Any, outputs: dict[str, Any],
                                         missing_field_message: str | None = None) -> str:
        plain = _plain_text_field(signature)
        if plain:
            return str(outputs.get(plain, missing_field_message))
        return super().format_assistant_message_content(signature, outputs, missing_field_message)

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        with counted_parse(signature):
            return self._parse(signature, completion)

    def _parse(self, signature: Any, completion: str) -> dict[str, Any]:
        plain = _plain_text_field(signature)
        if plain:
            if not completion.strip():
                raise AdapterParseError(adapter_name=type(self).__name__, signature=signature,
                                        lm_response=completion, message=f"the {plain} is empty")
            return {plain: completion.strip()}
        fields = super().parse(signature, completion)
        check_outputs(signature, fields, completion, by=type(self).__name__)
        return fields


def check_outputs(signature: Any, outputs: dict[str, Any], completion: str = "", *, by: str = "") -> None:
    """Hold parsed outputs to their fields' constraints (pattern, length, list size), whichever adapter parsed
    them: DSPy's ChatAdapter and JSONAdapter parse by type alone. Raises `AdapterParseError` naming the field."""
    for name, field in signature.output_fields.items():
        if not field.metadata or name not in outputs:
            continue
        try:
            _field_adapter(signature, name).validate_python(outputs[name])
        except pydantic.ValidationError as error:
            raise AdapterParseError(
                adapter_name=by or "the adapter", signature=signature, lm_response=completion or repr(outputs)[:500],
                message=f"field {name} breaks its constraints: {describe_validation_error(error)}",
                parsed_result=outputs,
            ) from error


def _plain_text_field(signature: Any) -> str | None:
    """The name of the signature's only output when it is unconstrained text, else None."""
    if len(signature.output_fields) != 1:
        return None
    name, field = next(iter(signature.output_fields.items()))
    return name if field.annotation is str and not field.metadata else None


def _field_text(field: Any, value: Any) -> str:
    """An input value as DSPy's `format_field_value` writes it. DSPy builds a pydantic TypeAdapter for every value
    (a tenth of a served run's CPU); plain JSON data (text, numbers, lists and objects of them) needs none."""
    if type(value) is str:
        return value
    if not _plain_json(value) or (isinstance(value, list) and field.annotation is str):
        return format_field_value(field_info=field, value=value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)


def _plain_json(value: Any) -> bool:
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is float:
        return math.isfinite(value)  # pydantic writes NaN and infinities inside a list or object as null
    if type(value) is list:
        return all(_plain_json(item) for item in value)
    return type(value) is dict and all(type(key) is str and _plain_json(item) for key, item in value.items())


def _is_chat_turn(signature: Any) -> bool:
    """Whether the signature answers a user's turn under a system prompt, in plain text."""
    return set(signature.input_fields) == {"system_prompt", "user"} and _plain_text_field(signature) is not None


def _chat_turn_messages(signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
    output = _plain_text_field(signature)
    exchanges = [message for demo in demos if demo.get("user") and demo.get(output)
                 for message in ({"role": "user", "content": str(demo["user"])},
                                 {"role": "assistant", "content": str(demo[output])})]
    return [{"role": "system", "content": str(inputs["system_prompt"])}, *exchanges,
            {"role": "user", "content": str(inputs["user"])}]


def _constrained(field: Any) -> Any:
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


@built_once(maxsize=256)
def _field_structure(signature: Any) -> str:
    """The system message's structure section: the inputs as the JSON adapter shows them, then the outputs by name
    (or the plain-text instruction). Built from the inputs alone: the parent's output section holds the full JSON
    schema, which is costly to build and not shown."""
    inputs = "\n\n".join(f"[[ ## {name} ## ]]\n{translate_field_type(name, field)}"
                         for name, field in signature.input_fields.items())
    header = ("All interactions will be structured in the following way, with the appropriate values filled in."
              f"\n\nInputs will have the following structure:\n\n{inputs}")
    plain = _plain_text_field(signature)
    if plain:
        return f"{header}\n\nYour reply is the `{plain}` itself: plain text, with no field names, markers or JSON."
    names = ", ".join(f"`{name}`" for name in signature.output_fields)
    notes = [f"`{name}` has the type {describe_schema(_field_adapter(signature, name).json_schema())}"
             for name, field in signature.output_fields.items() if field.annotation is not str]
    return "\n\n".join([header, f"Outputs will be a JSON object with the fields {names}, holding your answer.", *notes])


# Signatures are classes, so validators and schemas are built once per signature rather than on every LM call
# (those of `list[Rule]`, a union over every checker, take ~20 ms to build).
@built_once(maxsize=256)
def _history_field(signature: Any) -> str | None:
    """DSPy's `_get_history_field_name`, once per signature (DSPy rebuilds the input fields on each call)."""
    return next((name for name, field in signature.input_fields.items() if field.annotation == dspy.History), None)


@built_once(maxsize=256)
def _field_adapter(signature: Any, name: str) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(_constrained(signature.output_fields[name]))


@built_once(maxsize=256)
def _response_format(signature: Any) -> dict[str, Any]:
    """The response format as DSPy would send it for the outputs' model, built once: DSPy rebuilds a model's JSON
    schema on every call (over half of a pipeline's own time on a fast LM)."""
    from dspy.clients.legacy_requests import _strict_json_schema

    fields: dict[str, Any] = {name: (_constrained(field), ...) for name, field in signature.output_fields.items()}
    model = pydantic.create_model("DSPyProgramOutputs", __config__=pydantic.ConfigDict(extra="forbid"), **fields)
    schema = _strict_json_schema(model.model_json_schema())
    return {"type": "json_schema", "json_schema": {"name": model.__name__, "schema": schema, "strict": True}}
