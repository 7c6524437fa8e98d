import pytest

from rnr_dspy.errors import RnrError
from rnr_dspy.train.stage import _memory_hint


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
