"""`StructuredAdapter` writes a request's inputs exactly as DSPy's adapter does, without DSPy's per-value cost."""

import dspy
import pydantic
import pytest

from rnr_dspy.program.adapter import StructuredAdapter


class _Point(pydantic.BaseModel):
    x: int
    label: str


class _Inputs(dspy.Signature):
    """Answer."""

    text: str = dspy.InputField()
    listed: str = dspy.InputField()
    items: list[str] = dspy.InputField()
    mapping: dict[str, int] = dspy.InputField()
    number: float = dspy.InputField()
    flag: bool = dspy.InputField()
    nothing: str | None = dspy.InputField()
    point: _Point = dspy.InputField()
    pair: tuple[int, int] = dspy.InputField()
    answer: str = dspy.OutputField()


VALUES = [
    {"text": "plain text ünïcode", "listed": ["one", "two"], "items": ["a", "b \"quoted\""],
     "mapping": {"k": 1, "ü": 2}, "number": 1.5, "flag": True, "nothing": None, "point": _Point(x=1, label="p"),
     "pair": (1, 2)},
    {"text": "", "listed": [], "items": [], "mapping": {}, "number": float("nan"), "flag": False, "nothing": "n",
     "point": {"x": 2, "label": "q"}, "pair": [3, 4]},
    {"text": "x", "listed": "not a list", "items": [["nested"], {"deep": [1, None, float("nan")]}],
     "mapping": {"k": float("inf")}, "number": float("inf"), "flag": 0, "nothing": 7, "point": [1], "pair": "(1, 2)"},
]


@pytest.mark.parametrize("inputs", VALUES)
@pytest.mark.parametrize("main_request", [False, True])
def test_inputs_are_written_as_dspys_adapter_writes_them(inputs, main_request):
    ours = StructuredAdapter().format_user_message_content(_Inputs, inputs, prefix="P", suffix="S",
                                                           main_request=main_request)
    dspys = dspy.ChatAdapter.format_user_message_content(StructuredAdapter(), _Inputs, inputs, prefix="P", suffix="S",
                                                         main_request=main_request)
    assert ours == dspys


def test_an_input_left_out_is_not_written():
    text = StructuredAdapter().format_user_message_content(_Inputs, {"text": "only"})
    assert text == "[[ ## text ## ]]\nonly"
