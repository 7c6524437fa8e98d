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
