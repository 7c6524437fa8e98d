import ctypes
import math
from typing import Annotated

import dspy
import pytest
from dspy.lm15 import Config, Message, Request
from llama_cpp import LlamaGrammar
from pydantic import BaseModel, Field, TypeAdapter

from rnr_dspy.errors import LMSpecError
from rnr_dspy.models.grammar import grammar_for
from rnr_dspy.rules import Rule
from rnr_dspy.rules.checkers import AnyCheck
from rnr_dspy.signatures import GenerateRole, GenerateRules, JudgeRuleAdherence, RespondFollowingRules

REMINDER = (
    "Respond with the corresponding output fields, starting with the field `[[ ## role ## ]]`, then "
    "`[[ ## rules ## ]]` (must be formatted as a valid Python list[Rule]), and then ending with the marker for "
    "`[[ ## completed ## ]]`."
)
PERSON_SCHEMA = {
    "type": "object",
    "properties": {"age": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["age", "name"],
    "additionalProperties": False,
}


class GBNF:
    """llama.cpp's own grammar parser and sampler, over the embedded model's vocabulary only (no weights)."""

    def __init__(self):
        import llama_cpp

        from rnr_dspy.models.lm import embedded_model_path

        try:
            path = embedded_model_path()
        except LMSpecError as error:
            pytest.skip(str(error))
        self.lib = llama_cpp
        llama_cpp.llama_backend_init()
        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        self.model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
        assert self.model, f"cannot read the vocabulary of {path}"
        self.vocab = llama_cpp.llama_model_get_vocab(self.model)

    def close(self):
        self.lib.llama_model_free(self.model)

    def _sampler(self, grammar):
        return self.lib.llama_sampler_init_grammar(self.vocab, grammar.encode(), b"root")

    def parses(self, grammar):
        sampler = self._sampler(grammar)
        if sampler:
            self.lib.llama_sampler_free(sampler)
        return bool(sampler)

    def _tokens(self, text):
        raw = text.encode()
        buffer = (self.lib.llama_token * (len(raw) + 8))()
        count = self.lib.llama_tokenize(self.vocab, raw, len(raw), buffer, len(buffer), False, True)
        assert count >= 0
        return list(buffer[:count])

    def _allowed(self, sampler, token):
        data = (self.lib.llama_token_data * 1)(self.lib.llama_token_data(token, 0.0, 0.0))
        candidates = self.lib.llama_token_data_array(data, 1, -1, False)
        self.lib.llama_sampler_apply(sampler, ctypes.byref(candidates))
        return not math.isinf(data[0].logit)

    def accepts(self, grammar, text):
        """Whether the grammar admits exactly `text` (every token in turn, then end of generation)."""
        sampler = self._sampler(grammar)
        assert sampler, "the grammar does not parse"
        try:
            for token in self._tokens(text):
                if not self._allowed(sampler, token):
                    return False
                self.lib.llama_sampler_accept(sampler, token)
            return self._allowed(sampler, self.lib.llama_vocab_eos(self.vocab))
        finally:
            self.lib.llama_sampler_free(sampler)


@pytest.fixture(scope="module")
def gbnf():
    checker = GBNF()
    yield checker
    checker.close()


def request(*messages, system=None, response_format=None):
    return Request(model="embedded", messages=messages, system=system,
                   config=Config(response_format=response_format))


def chat_adapter_request(signature, **inputs):
    formatted = dspy.ChatAdapter().format(signature, demos=[], inputs=inputs)
    system = "\n\n".join(m["content"] for m in formatted if m["role"] == "system") or None
    turns = [Message.user(m["content"]) if m["role"] == "user" else Message.assistant(m["content"])
             for m in formatted if m["role"] != "system"]
    return request(*turns, system=system)


def assert_llama_accepts(grammar, gbnf):
    LlamaGrammar.from_string(grammar, verbose=False)
    assert gbnf.parses(grammar), grammar


def test_gbnf_checker_rejects_broken_grammars(gbnf):
    assert gbnf.parses('root ::= "a"')
    assert not gbnf.parses("root ::= undefined-rule")
    assert not gbnf.parses('root ::= "a')


def test_json_schema_response_format_gives_a_grammar_for_that_schema(gbnf):
    grammar = grammar_for(request(Message.user("Who?"),
                                  response_format={"type": "json_schema", "schema": PERSON_SCHEMA, "name": "person"}))
    assert isinstance(grammar, str)
    assert_llama_accepts(grammar, gbnf)
    assert gbnf.accepts(grammar, '{"age": 36, "name": "Ada"}')
    assert not gbnf.accepts(grammar, '{"name": "Ada"}')
    assert not gbnf.accepts(grammar, '{"age": "36", "name": "Ada"}')
    assert not gbnf.accepts(grammar, '{"age": 36, "name": "Ada", "x": 1}')
    assert not gbnf.accepts(grammar, "Ada is 36.")


def test_rule_schema_grammar_admits_rules_and_refuses_invalid_checks(gbnf):
    schema = TypeAdapter(Rule).json_schema()
    grammar = grammar_for(request(Message.user("Rule?"), response_format={"type": "json_schema", "schema": schema}))
    assert_llama_accepts(grammar, gbnf)
    assert gbnf.accepts(grammar, '{"text": "Be kind."}')
    assert gbnf.accepts(grammar, '{"text": "Be kind.", "check": null}')
    assert not gbnf.accepts(grammar, '{"kind": "tone"}')
    assert not gbnf.accepts(grammar, '{"text": "Be brief.", "check": {"name": "bogus"}}')
    assert not gbnf.accepts(grammar, '{"text": "Be brief.", "check": {"limit": "many", "name": "max_words"}}')
    assert not gbnf.accepts(grammar, '{"text": "Be kind.", "id": "r1"}')


def test_rule_schema_grammar_refuses_a_check_without_name(gbnf):
    schema = TypeAdapter(Rule).json_schema()
    grammar = grammar_for(request(Message.user("Rule?"), response_format={"type": "json_schema", "schema": schema}))
    assert not gbnf.accepts(grammar, '{"text": "Be brief.", "check": {"limit": 50}}')


def test_the_whole_registry_gives_a_grammar_llama_cpp_parses(gbnf):
    # Not only the checks an LM is offered: any signature may use the full union (a `\w` pattern once broke it).
    schema = TypeAdapter(Annotated[list[AnyCheck], Field(min_length=1, max_length=5)]).json_schema()
    grammar = grammar_for(request(Message.user("Checks?"), response_format={"type": "json_schema", "schema": schema}))
    assert_llama_accepts(grammar, gbnf)
    assert gbnf.accepts(grammar, '[{"name": "first_word", "word": "Sure"}, {"name": "no_semicolons"}]')
    assert not gbnf.accepts(grammar, '[{"name": "words_between", "low": "few"}]')


def test_json_schema_grammar_keeps_the_declared_field_order(gbnf):
    class Outputs(BaseModel):
        reasoning: str
        answer: str

    schema = TypeAdapter(Outputs).json_schema()
    grammar = grammar_for(request(Message.user("Think."), response_format={"type": "json_schema", "schema": schema}))
    assert gbnf.accepts(grammar, '{"reasoning": "Six times seven.", "answer": "42"}')


def test_json_object_response_format_gives_an_object_grammar(gbnf):
    grammar = grammar_for(request(Message.user("JSON please"), response_format={"type": "json_object"}))
    assert grammar.startswith("root ::= object\n")
    assert_llama_accepts(grammar, gbnf)
    assert gbnf.accepts(grammar, '{"a": [1, 2.5, -3e2, true, null, "x\\n\\u00e9"], "b": {}}')
    assert not gbnf.accepts(grammar, "[1, 2]")
    assert not gbnf.accepts(grammar, '{"a": 1')
    assert not gbnf.accepts(grammar, "hello")


def test_response_format_wins_over_a_chat_adapter_prompt():
    grammar = grammar_for(request(Message.user(REMINDER), response_format={"type": "json_object"}))
    assert grammar.startswith("root ::= object\n")


def test_chat_adapter_reminder_gives_a_sections_grammar(gbnf):
    grammar = grammar_for(request(Message.user("Some inputs.\n\n" + REMINDER)))
    root = grammar.splitlines()[0]
    assert root.index("[[ ## role ## ]]") < root.index("[[ ## rules ## ]]") < root.index("[[ ## completed ## ]]")
    assert_llama_accepts(grammar, gbnf)
    good = '[[ ## role ## ]]\nYou are a coach.\n\n[[ ## rules ## ]]\n[{"text": "Be kind."}]\n\n[[ ## completed ## ]]'
    assert gbnf.accepts(grammar, good)
    assert not gbnf.accepts(grammar, '[[ ## rules ## ]]\n[]\n\n[[ ## completed ## ]]')
    assert not gbnf.accepts(grammar, good.replace('[{"text": "Be kind."}]', "1. Be kind."))
    assert not gbnf.accepts(grammar, good.replace("\n\n[[ ## completed ## ]]", ""))
    assert not gbnf.accepts(grammar, good.replace("You are a coach.", "You are [[ ## rules ## ]] a coach."))


def test_only_the_last_user_message_is_read():
    earlier = Message.user(REMINDER)
    assert grammar_for(request(earlier, Message.assistant("ok"), Message.user("Now just chat."))) is None
    assert grammar_for(request(Message.user("hi"), Message.assistant("ok"), Message.user(REMINDER))) is not None


@pytest.mark.parametrize(
    "messages",
    [
        (Message.user("What is the capital of France?"),),
        (Message.user("hi"), Message.assistant("hello"), Message.user("Tell me a joke.")),
        (Message.user("Respond with the corresponding output fields, please."),),
    ],
)
def test_plain_chat_is_unconstrained(messages):
    assert grammar_for(request(*messages, system="You are a coach.\n\nRules:\n1. Be brief.")) is None


def test_generate_rules_chat_adapter_prompt_round_trips(gbnf):
    req = chat_adapter_request(GenerateRules, role="You are a coach.", seed_instructions=["How to run?", "Rest?"])
    grammar = grammar_for(req)
    assert grammar is not None
    assert "[[ ## rules ## ]]" in grammar and "[[ ## completed ## ]]" in grammar
    assert_llama_accepts(grammar, gbnf)
    completion = (
        "[[ ## rules ## ]]\n"
        '[{"kind": "length", "text": "Use at most 80 words.", "check": {"name": "max_words", "limit": 80}}, '
        '{"kind": "tone", "text": "Be encouraging.", "check": null}]\n\n'
        "[[ ## completed ## ]]"
    )
    assert gbnf.accepts(grammar, completion)
    rules = dspy.ChatAdapter().parse(GenerateRules, completion)["rules"]
    assert [rule.text for rule in rules] == ["Use at most 80 words.", "Be encouraging."]
    assert rules[0].check.limit == 80


def test_two_output_fields_from_a_real_chat_adapter_prompt(gbnf):
    class RoleAndRules(dspy.Signature):
        """Write a role and its rules."""

        theme: str = dspy.InputField()
        role: str = dspy.OutputField()
        rules: list[Rule] = dspy.OutputField()

    grammar = grammar_for(chat_adapter_request(RoleAndRules, theme="cooking"))
    root = grammar.splitlines()[0]
    assert root.index("[[ ## role ## ]]") < root.index("[[ ## rules ## ]]") < root.index("[[ ## completed ## ]]")
    assert_llama_accepts(grammar, gbnf)
    completion = ('[[ ## role ## ]]\nYou are a cooking coach.\n\n[[ ## rules ## ]]\n[{"text": "Be brief."}]\n\n'
                  "[[ ## completed ## ]]")
    assert gbnf.accepts(grammar, completion)
    parsed = dspy.ChatAdapter().parse(RoleAndRules, completion)
    assert parsed["role"] == "You are a cooking coach."
    assert parsed["rules"][0].text == "Be brief."


@pytest.mark.parametrize(
    ("signature", "inputs", "completion"),
    [
        (GenerateRole, {"seed_instructions": ["How to run?"]},
         "[[ ## role ## ]]\nYou are a running coach who helps beginners.\n\n[[ ## completed ## ]]"),
        (RespondFollowingRules, {"system_prompt": "You are a coach.", "user": "Hi"},
         "[[ ## response ## ]]\nHello! How can I help?\n\n[[ ## completed ## ]]"),
        (JudgeRuleAdherence,
         {"system_prompt": "sp", "user": "u", "response": "r", "rules": [Rule(id="r1", text="Be kind.")]},
         '[[ ## verdicts ## ]]\n[{"rule_id": "r1", "followed": true, "reason": "kind"}]\n\n[[ ## completed ## ]]'),
    ],
)
def test_every_rnr_signature_prompt_gets_a_grammar_its_parse_accepts(gbnf, signature, inputs, completion):
    grammar = grammar_for(chat_adapter_request(signature, **inputs))
    assert_llama_accepts(grammar, gbnf)
    assert gbnf.accepts(grammar, completion)
    dspy.ChatAdapter().parse(signature, completion)
