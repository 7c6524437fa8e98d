from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from rnr_dspy.program.schema_text import describe_schema
from rnr_dspy.rules import Rule


class Leaf(BaseModel):
    name: Literal["leaf"] = "leaf"
    size: int = Field(ge=1, le=9)


class Tree(BaseModel):
    label: str = Field(min_length=1, max_length=20)
    leaves: list[Leaf] = Field(max_length=3)
    note: str | None = None


def test_objects_list_fields_bounds_and_optional_marks():
    text = describe_schema(Tree.model_json_schema())
    expected = "{label: string (1 to 20 chars), leaves: list[Leaf] (at most 3 items), note?: string | null}"
    assert text.splitlines()[0] == expected
    assert 'Leaf = {name?: "leaf", size: integer (1 to 9)}' in text


def test_definitions_follow_in_order_of_first_use():
    lines = describe_schema(TypeAdapter(Annotated[list[Rule], Field(min_length=2, max_length=5)]).json_schema())
    lines = lines.splitlines()
    assert lines[0] == "list[Rule] (2 to 5 items)"
    assert lines[1].startswith("Rule = {kind?:") and "check?: IncludeKeywords |" in lines[1]
    assert any(line.startswith('MaxWords = {name: "max_words", limit: integer') for line in lines)


def test_rule_types_are_far_shorter_than_their_json_schema():
    schema = TypeAdapter(list[Rule]).json_schema()
    assert len(describe_schema(schema)) * 3 < len(str(schema))
