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


def test_busy_cores_are_the_threads_runnable_now_not_the_last_minutes_average(tmp_path, monkeypatch):
    from rnr_dspy.models import engine

    # A stage that just ended left a load average of 2.0; now only the reader itself runs.
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("2.00 1.50 0.90 1/180 4242\n")
    monkeypatch.setattr(engine.os, "getloadavg", lambda: (2.0, 1.5, 0.9))
    assert engine.busy_elsewhere(interval=0, loadavg=loadavg) == 0.0
    loadavg.write_text("0.10 0.10 0.10 3/180 4242\n")  # two threads of other processes runnable
    assert engine.busy_elsewhere(interval=0, loadavg=loadavg) == 2.0
    assert engine.busy_elsewhere(loadavg=tmp_path / "missing") == 2.0  # no such file: the load average


def test_this_process_own_runnable_threads_do_not_count_as_busy_elsewhere(tmp_path):
    from rnr_dspy.models import engine

    # Three runnable threads in all, all three this process's (the reader and two busy workers): none elsewhere.
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("3.00 1.50 0.90 3/180 4242\n")
    tasks = tmp_path / "task"
    for tid, state in [(10, "R"), (11, "R"), (12, "S"), (13, "R")]:
        (tasks / str(tid)).mkdir(parents=True)
        (tasks / str(tid) / "stat").write_text(f"{tid} (python (worker)) {state} 1 2 3\n")
    assert engine.busy_elsewhere(interval=0, loadavg=loadavg, tasks=tasks) == 0.0
    loadavg.write_text("3.00 1.50 0.90 5/180 4242\n")  # and two threads of another process
    assert engine.busy_elsewhere(interval=0, loadavg=loadavg, tasks=tasks) == 2.0
    # Where the process's threads cannot be read, only the reader is its own.
    assert engine.busy_elsewhere(interval=0, loadavg=loadavg, tasks=tmp_path / "none") == 4.0


def test_a_burst_of_runnable_threads_is_not_work_that_holds_a_core(tmp_path, monkeypatch):
    from rnr_dspy.models import engine

    # Sampled while threads start: 3 runnable elsewhere in two samples of five, then 1, 1 and none.
    readings = iter(["4/238", "2/270", "2/270", "1/270"])
    loadavg = tmp_path / "loadavg"
    monkeypatch.setattr(engine.time, "sleep", lambda seconds: loadavg.write_text(f"0 0 0 {next(readings)} 1\n"))
    loadavg.write_text("0 0 0 4/120 1\n")
    assert engine.busy_elsewhere(loadavg=loadavg, tasks=tmp_path / "none") == 0.0


def test_the_reader_is_its_own_runnable_thread():
    from pathlib import Path

    from rnr_dspy.models import engine

    assert engine._runnable(Path("/proc/self/task")) >= 1


def test_engine_state_round_trips_and_loads_older_saves(tmp_path):
    engine = LlamaCppEngine(tmp_path / "m.gguf", n_ctx=2048, parallel=4)
    again = LlamaCppEngine.load_state(engine.dump_state())
    assert (again.model_path, again.n_ctx, again.parallel) == (tmp_path / "m.gguf", 2048, 4)
    older = {"model_path": str(tmp_path / "m.gguf"), "n_ctx": 4096, "repeat_penalty": 1.1,
             "prompt_cache_bytes": 2 << 30}  # saved before the batched engine
    assert LlamaCppEngine.load_state(older).n_ctx == 4096
