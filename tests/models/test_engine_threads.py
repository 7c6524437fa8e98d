"""The embedded engine's thread count is a setting: `engine_threads` reaches llama.cpp."""

from rnr_dspy.models.lm import make_lm


def test_engine_threads_set_the_llama_cpp_threads():
    assert make_lm("embedded", engine_threads=3).engine.n_threads == 3  # the model loads on its first call only
