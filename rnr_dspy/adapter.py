"""A JSON adapter whose response schema keeps each output field's constraints.

`dspy.JSONAdapter` builds its structured-output schema from the bare field types, dropping constraints such as
`min_length` or `pattern`. Constrained decoders (the embedded engine, vLLM's guided decoding) enforce exactly the
schema they are sent, so this adapter sends the full one: a small model can then not stop after "You are".
"""

from __future__ import annotations

from typing import Annotated, Any

import dspy
import pydantic
from dspy.adapters.utils import translate_field_type
from dspy.utils.exceptions import AdapterParseError

__all__ = ["StructuredAdapter"]


class StructuredAdapter(dspy.JSONAdapter):
    def _prepare_response_format(self, lm: Any, lm_kwargs: dict[str, Any], signature: Any) -> None:
        if "response_format" not in lm.supported_params or not lm.supports_response_schema:
            return super()._prepare_response_format(lm, lm_kwargs, signature)
        fields: dict[str, Any] = {
            name: (Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation, ...)
            for name, field in signature.output_fields.items()
        }
        lm_kwargs["response_format"] = pydantic.create_model(
            "DSPyProgramOutputs", __config__=pydantic.ConfigDict(extra="forbid"), **fields
        )

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        """Parse as `JSONAdapter` does, then hold each field to its declared constraints: a reply from an LM
        that decodes without the schema (e.g. a server that only offers JSON mode) can break them."""
        fields = super().parse(signature, completion)
        for name, field in signature.output_fields.items():
            if not field.metadata:
                continue
            try:
                constrained: Any = Annotated[(field.annotation, *field.metadata)]
                pydantic.TypeAdapter(constrained).validate_python(fields[name])
            except pydantic.ValidationError as error:
                raise AdapterParseError(
                    adapter_name=type(self).__name__, signature=signature, lm_response=completion,
                    message=f"field {name} breaks its constraints: {error.errors()[0]['msg']}", parsed_result=fields,
                ) from error
        return fields

    def format_field_structure(self, signature: Any) -> str:
        # The parent shows outputs as {"response": "{response}"}; small models copy that placeholder verbatim.
        # The outputs are named instead, with the JSON schema of each typed one.
        inputs = super().format_field_structure(signature).split("Outputs will be a JSON object")[0].rstrip()
        names = ", ".join(f"`{name}`" for name in signature.output_fields)
        notes = [
            f"`{name}`: " + translate_field_type(name, field).split("# note: ", 1)[-1]
            for name, field in signature.output_fields.items()
            if field.annotation is not str
        ]
        return "\n\n".join([inputs, f"Outputs will be a JSON object with the fields {names}, holding your answer.",
                            *notes])
