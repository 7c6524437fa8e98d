import dspy
import pytest

from rnr_dspy.errors import LMSpecError
from rnr_dspy.models.engine import LlamaCppEngine
from rnr_dspy.models.lm import _ENGINES, EMBEDDED_MODEL_FILE, embedded_model_path, make_lm


def test_embedded_spec_resolves_to_the_packaged_gguf_without_loading_it():
    _ENGINES.clear()  # other tests share (and may have loaded) the session's engine
    lm = make_lm("embedded")
    assert isinstance(lm.engine, LlamaCppEngine)
    assert lm.engine.model_path == embedded_model_path()
    assert embedded_model_path().name == EMBEDDED_MODEL_FILE and embedded_model_path().stat().st_size > 90_000_000
    assert not lm.engine.loaded  # loaded lazily, on the first call


def test_lms_made_from_one_gguf_share_one_engine():
    assert make_lm("embedded").engine is make_lm("embedded", temperature=0.7).engine


def test_engine_options_size_a_separate_shared_engine():
    small = make_lm("embedded", engine_options={"parallel": 4, "n_ctx": 1024})
    assert (small.engine.parallel, small.engine.n_ctx) == (4, 1024)
    assert small.engine is make_lm("embedded", engine_options={"n_ctx": 1024, "parallel": 4}).engine
    assert small.engine is not make_lm("embedded").engine


def test_engine_options_are_checked():
    with pytest.raises(LMSpecError, match=r"bad engine options.*parallel"):
        make_lm("embedded", engine_options={"parallel": 0})
    with pytest.raises(LMSpecError, match="bad engine options"):
        make_lm("embedded", engine_options={"no_such_option": 1})
    with pytest.raises(LMSpecError, match="GGUF models only"):
        make_lm("openai/gpt-4o-mini", engine_options={"parallel": 4})


def test_local_gguf_path(tmp_path):
    lm = make_lm(f"local:{embedded_model_path()}")
    assert lm.engine.model_path == embedded_model_path()


@pytest.mark.parametrize("spec", ["gpt4", "", "/abs/path"])
def test_unknown_spec_says_which_forms_exist(spec):
    with pytest.raises(LMSpecError, match=r"embedded.*local:PATH"):
        make_lm(spec)


def test_local_path_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(LMSpecError, match=r"neither a \.gguf file nor a Hugging Face model directory"):
        make_lm(f"local:{tmp_path}")
    with pytest.raises(LMSpecError):
        make_lm(f"local:{tmp_path / 'missing.gguf'}")


def test_provider_spec_is_a_dspy_lm_with_the_server_address():
    lm = make_lm("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", api_base="http://127.0.0.1:8000/v1", api_key="sk-x")
    assert isinstance(lm, dspy.LM) and lm.model == "hosted_vllm/Qwen/Qwen2.5-7B-Instruct"
    assert lm.kwargs.get("api_base") == "http://127.0.0.1:8000/v1"


def test_saved_http_lm_state_has_no_api_key():
    lm = make_lm("openai/gpt-4o-mini", api_base="http://127.0.0.1:8000/v1", api_key="sk-never-saved")
    assert "sk-never-saved" not in str(lm.dump_state())


@pytest.mark.parametrize(("cores", "busy", "threads"), [(2, 8.0, 1), (2, 0.0, 2), (8, 3.0, 5), (8, 0.0, 8)])
def test_llama_cpp_threads_default_to_the_idle_cores(monkeypatch, cores, busy, threads):
    from rnr_dspy.models import engine

    monkeypatch.setattr(engine.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(engine, "busy_elsewhere", lambda: busy)
    assert engine.default_threads() == threads


def _ticks(tmp_path, machine, own):
    """Fake /proc/stat and /proc/self/stat holding `machine` busy ticks (as user time) and `own` (as stime)."""
    (tmp_path / "stat").write_text(f"cpu  {machine} 0 0 5000 7 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
    (tmp_path / "self").write_text(f"4242 (python (stage)) R 1 2 3 4 5 6 7 8 9 10 0 {own} 0 0\n")


@pytest.mark.parametrize(("other", "mine", "busy"), [(0, 60, 0.0), (20, 40, 1.0), (40, 0, 2.0)])
def test_busy_cores_are_the_cpu_time_other_processes_used_not_this_ones_nor_the_load_average(
        tmp_path, monkeypatch, other, mine, busy):
    from rnr_dspy.models import engine

    # Over 0.2 s at 100 ticks/s, `other` ticks went to other processes and `mine` to this one, whose threads (a
    # burst of them starting while the model loads) are no other work; the load average (a stage that just
    # ended) is not read at all.
    clock = iter([0.0, 0.2])
    monkeypatch.setattr(engine.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(engine.time, "sleep", lambda seconds: _ticks(tmp_path, 1000 + other + mine, 500 + mine))
    monkeypatch.setattr(engine.os, "sysconf", lambda name: 100)
    monkeypatch.setattr(engine.os, "getloadavg", lambda: (2.0, 1.5, 0.9))
    _ticks(tmp_path, 1000, 500)
    assert engine.busy_elsewhere(stat=tmp_path / "stat", own=tmp_path / "self") == pytest.approx(busy)
    assert engine.busy_elsewhere(stat=tmp_path / "missing") == 2.0  # no such file: the load average


def test_the_kernels_own_files_are_read_not_the_fallback(monkeypatch):
    import os

    from rnr_dspy.models import engine

    monkeypatch.setattr(engine.os, "getloadavg", lambda: (99.0, 99.0, 99.0))
    assert 0.0 <= engine.busy_elsewhere(interval=0.05) <= (os.cpu_count() or 1) + 0.5


def test_engine_state_round_trips_and_loads_older_saves(tmp_path):
    engine = LlamaCppEngine(tmp_path / "m.gguf", n_ctx=2048, parallel=4)
    again = LlamaCppEngine.load_state(engine.dump_state())
    assert (again.model_path, again.n_ctx, again.parallel) == (tmp_path / "m.gguf", 2048, 4)
    older = {"model_path": str(tmp_path / "m.gguf"), "n_ctx": 4096, "repeat_penalty": 1.1,
             "prompt_cache_bytes": 2 << 30}  # saved before the batched engine
    assert LlamaCppEngine.load_state(older).n_ctx == 4096
