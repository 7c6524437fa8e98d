"""The batched engine feeds the model the very tokens `Llama.create_chat_completion` fed it for the same messages."""

import pytest

from rnr_dspy.models.chat_prompt import ChatPrompt
from rnr_dspy.models.llama_native import NativeLlama
from rnr_dspy.models.lm import embedded_model_path

pytestmark = pytest.mark.embedded

CONVERSATIONS = [
    [{"role": "system", "content": "You are a terse pirate."}, {"role": "user", "content": "Say hello."}],
    [{"role": "user", "content": "No system message: the template inserts its default one."}],
    [{"role": "system", "content": "Rules:\n- answer in French\n- at most 20 words"},
     {"role": "user", "content": "Quelle heure est-il ? ☕ <b>now</b>"},
     {"role": "assistant", "content": "Il est midi."}, {"role": "user", "content": "Merci !"}],
    [{"role": "system", "content": "[[ ## role ## ]]\n{\"a\": [1, 2]}\n\n<|im_start|> inside text"},
     {"role": "user", "content": "   leading spaces and a trailing newline\n"}],
]


@pytest.fixture(scope="module")
def llama():
    llama_cpp = pytest.importorskip("llama_cpp")
    return llama_cpp.Llama(model_path=str(embedded_model_path()), vocab_only=True, verbose=False)


class _CapturedError(Exception):
    pass


def _tokens_create_chat_completion_feeds(llama, messages):
    captured = {}

    def create_completion(*, prompt, stop, **kwargs):
        captured.update(prompt=list(prompt), stop=stop)
        raise _CapturedError

    llama.create_completion = create_completion
    with pytest.raises(_CapturedError):
        llama.create_chat_completion(messages=messages, stop=[])
    return captured["prompt"], captured["stop"]


@pytest.fixture(scope="module")
def native():
    model = NativeLlama(embedded_model_path(), n_ctx=256, n_seq=1, n_threads=1, n_batch=256)
    yield model
    model.close()


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_prompt_tokens_equal_create_chat_completion(llama, native, messages):
    expected_tokens, expected_stop = _tokens_create_chat_completion_feeds(llama, messages)
    rendered = ChatPrompt(native).render(messages)
    assert rendered.tokens == expected_tokens
    assert list(rendered.stop) == expected_stop == ["<|im_end|>"]


def test_the_default_system_message_is_rendered_when_none_is_given(llama, native):
    rendered = ChatPrompt(native).render(CONVERSATIONS[1])
    text = llama.detokenize(rendered.tokens, special=True).decode()
    assert text.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
    assert text.endswith("<|im_start|>assistant\n")
