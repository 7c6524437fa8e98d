import pytest
from dspy.utils.exceptions import ContextWindowExceededError, LMInvalidRequestError

from rnr_dspy.optimizers.context import ContextOverflowError, check_fits, estimate_prompt_tokens, is_context_overflow


@pytest.mark.parametrize("said", [
    "This model's maximum context length is 4096 tokens. However, you requested 5120 tokens",  # vLLM, OpenAI
    "the request exceeds the available context size, try increasing it",  # llama.cpp's server
    "Requested tokens (5000) exceed context window of 4096",  # llama-cpp-python's server
])
def test_each_server_wording_of_an_overflow_is_recognized(said):
    assert is_context_overflow(LMInvalidRequestError(f"[hosted_vllm/m] {said}", status=400))


def test_other_bad_requests_are_not_overflows():
    assert is_context_overflow(ContextWindowExceededError(model="m"))
    assert not is_context_overflow(LMInvalidRequestError("Input should be 'text' or 'json_object'", status=400))
    assert not is_context_overflow(ValueError("context length 4096"))  # no HTTP status: not a server's refusal


def _call(system, user, reply, prompt_tokens=None):
    usage = {"prompt_tokens": prompt_tokens} if prompt_tokens else {}
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "outputs": [reply], "usage": usage}


def test_the_estimate_adds_each_demo_as_a_user_message_and_its_reply():
    history = [_call("s" * 400, "u" * 400, "r" * 200), _call("s" * 400, "u" * 800, "r" * 400),
               _call("t" * 40, "u" * 40, "r" * 40)]
    # The longest prompt of the first system prompt, 1200 chars, plus 2 demos of at most 800 + 400 chars; 4 a token.
    assert estimate_prompt_tokens(history, demos=2) == (1200 + 2 * 1200) // 4
    assert estimate_prompt_tokens(history, demos=0) == 1200 // 4
    assert estimate_prompt_tokens([_call("s" * 400, "u" * 400, "r" * 200, prompt_tokens=400)], demos=1) == 400 + 300
    assert estimate_prompt_tokens([], demos=2) is None


def test_check_fits_counts_the_reply_and_names_the_settings():
    history = [_call("s" * 400, "u" * 400, "r" * 400)]  # 200 tokens, a demo 200 more
    check_fits(history, context_window=None, demos=16, max_tokens=10**6)  # unknown window: nothing checked
    check_fits(history, context_window=1000, demos=2, max_tokens=400)
    with pytest.raises(ContextOverflowError, match=r"about 600 tokens, plus 401.*max_demos, --max-demos"):
        check_fits(history, context_window=1000, demos=2, max_tokens=401)
