import pytest

from rnr_dspy.errors import RnrError
from rnr_dspy.train.method import _memory_hint


@pytest.mark.parametrize("message", [
    "CUDA out of memory. Tried to allocate 2.00 GiB",
    "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: you tried to allocate 1 GB",
])
def test_out_of_memory_becomes_an_error_with_what_to_change(message):
    hint = _memory_hint(RuntimeError(message))
    assert isinstance(hint, RnrError)
    assert "per_device_train_batch_size" in str(hint) and "--lora" in str(hint) and message[:20] in str(hint)


def test_other_runtime_errors_are_left_alone():
    assert _memory_hint(RuntimeError("shape mismatch")) is None


def _sft_inputs(tmp_path, *, steps, batch, rows):
    """TRL arguments for `steps` SFT steps of `batch` rows, and `rows` prompt-completion rows."""
    from train_rows import sft_row

    from rnr_dspy.train import TrainConfig
    from rnr_dspy.train.data import _prompt_completion

    args = TrainConfig(data=[tmp_path], out=tmp_path / "out",
                       sft_config={"max_steps": steps, "per_device_train_batch_size": batch}).sft_arguments()
    return args, [_prompt_completion(sft_row(i)["messages"]) for i in range(rows)]


def test_a_stage_frees_its_model_before_the_next_method_loads_its_own(tiny_model_dir, tiny_tokenizer, tmp_path):
    import weakref

    from trl import SFTTrainer

    from rnr_dspy.train.method import run_method

    models = []

    class Recording(SFTTrainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            models.append(weakref.ref(self.model))

    args, rows = _sft_inputs(tmp_path, steps=1, batch=2, rows=2)
    result = run_method("sft", Recording, tiny_model_dir, args, rows, tiny_tokenizer, tmp_path / "out")
    assert result.steps == 1 and models and models[0]() is None


def test_freed_memory_stays_in_the_heap_while_a_stage_trains():
    import resource

    from rnr_dspy.train import method as stage

    if stage._libc_function("mallopt") is None:
        pytest.skip("not glibc")

    def faults() -> int:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(5):
            # A pass's logits: allocated, written, freed. Over 32 MiB glibc always maps a block afresh by default.
            block = bytearray(64 * 2**20)
            del block
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    with stage._heap_kept():
        faults()  # the heap grows once
        kept = faults()
    # 16,384 pages a block: a fresh process with glibc's defaults faults each one in again (81,925 faults here).
    assert kept < 16384


def test_a_kept_heap_over_its_bound_is_handed_back_after_the_step():
    from rnr_dspy.runtime.peak_memory import resident_bytes
    from rnr_dspy.train import method as stage

    if stage._libc_function("mallopt") is None or stage._libc_function("malloc_trim") is None:
        pytest.skip("not glibc")
    with stage._heap_kept():
        blocks = [bytearray(64 * 2**20) for _ in range(4)]
        for block in blocks:
            block[::4096] = b"x" * len(block[::4096])  # every page resident
        del blocks, block
        kept = resident_bytes()
        stage._heap_bound(kept * 2).on_step_end(None, None, None)  # under the bound: the heap stays
        assert resident_bytes() > kept - 64 * 2**20
        stage._heap_bound(0).on_step_end(None, None, None)
        assert resident_bytes() < kept - 128 * 2**20


@pytest.mark.parametrize(("bound", "trims"), [(0, 2), (2**50, 0)])
def test_a_stage_trims_the_heap_after_a_step_only_over_the_bound(tiny_model_dir, tiny_tokenizer, tmp_path,
                                                                   monkeypatch, bound, trims):
    from trl import SFTTrainer

    from rnr_dspy.train import method as stage

    monkeypatch.setattr(stage, "_HEAP_BOUND", bound)
    calls = []
    monkeypatch.setattr(stage, "_trim_heap", lambda: calls.append(1))
    monkeypatch.setattr(stage, "_release_memory", lambda: None)  # the trim at the stage's end is not counted
    args, rows = _sft_inputs(tmp_path, steps=2, batch=1, rows=2)
    stage.run_method("sft", SFTTrainer, tiny_model_dir, args, rows, tiny_tokenizer, tmp_path / "out")
    assert len(calls) == trims


def test_the_heap_is_kept_while_the_trainer_trains_not_while_it_is_built(tiny_model_dir, tiny_tokenizer, tmp_path,
                                                                          monkeypatch):
    # DPO computes its reference log-probabilities while it is built: passes with no step between them for the
    # bound to trim at, which grew a kept heap to 12.8 GB.
    import contextlib

    from trl import SFTTrainer

    from rnr_dspy.train import method as stage

    events = []

    @contextlib.contextmanager
    def kept():
        events.append("kept")
        yield
        events.append("released")

    class Recording(SFTTrainer):
        def __init__(self, *args, **kwargs):
            events.append("built")
            super().__init__(*args, **kwargs)

        def train(self, *args, **kwargs):
            events.append("trains")
            return super().train(*args, **kwargs)

    monkeypatch.setattr(stage, "_heap_kept", kept)
    args, rows = _sft_inputs(tmp_path, steps=1, batch=1, rows=1)
    stage.run_method("sft", Recording, tiny_model_dir, args, rows, tiny_tokenizer, tmp_path / "out")
    assert events == ["built", "kept", "trains", "released"]


@pytest.mark.parametrize(("processes", "share"), [(None, 8 * 2**30), ("1", 8 * 2**30), ("4", 2 * 2**30),
                                                  ("not a number", 8 * 2**30)])
def test_the_kept_heap_bound_is_shared_by_the_training_processes_of_the_machine(monkeypatch, processes, share):
    from rnr_dspy.train import method as stage

    if processes is None:
        monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    else:
        monkeypatch.setenv("LOCAL_WORLD_SIZE", processes)
    assert stage._share_of_this_machine(8 * 2**30) == share
