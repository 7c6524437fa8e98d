"""One training method (SFT, DPO or GRPO): a TRL trainer over rows, the model saved as a plain Hugging Face directory.

The trainer loads the model from its directory itself (so `model_init_kwargs`, distributed placement and DPO's
reference model all work as TRL intends). With LoRA the adapters are merged into the base weights before saving,
so the output loads without peft.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rnr_dspy.runtime.progress import Progress, ProgressEvent
from rnr_dspy.train.result import MethodResult

__all__ = ["run_method"]


@contextlib.contextmanager
def _heap_kept() -> Iterator[None]:
    """Keep the memory a forward or backward pass frees in the heap for the next micro-batch, instead of handing
    it back to the system and faulting it in again page by page: glibc maps blocks over 32 MiB (a pass's logits)
    afresh each time. A kept heap fragments as micro-batches differ in length, so it has a bound (`_heap_bound`),
    checked after each step. Only training keeps it: DPO computes its reference log-probabilities while its
    trainer is built, with no step between the passes for the bound to trim at. The heap is trimmed when the method
    ends (`_release_memory`). What it costs and saves: docs/pages/results/train.md and
    `tests/benchmarks/bench_checkpointing.py`."""
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(_M_TRIM_THRESHOLD, _HEAP_KEPT)
        mallopt(_M_MMAP_THRESHOLD, _HEAP_KEPT)
    try:
        yield
    finally:
        if mallopt is not None:  # glibc's defaults back for what runs next (a fixed threshold, not its dynamic one)
            mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
            mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)


# mallopt's parameters (glibc's malloc.h): blocks up to 1 GiB come from the heap, and up to 1 GiB free at its top
# stays there.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HEAP_KEPT, _DEFAULT_THRESHOLD = 2**30, 128 * 1024


def _half_the_memory_at_most_8_gib() -> int:
    try:
        return min(8 * 2**30, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2)
    except (ValueError, OSError):  # no such sysconf name here
        return 8 * 2**30


def _share_of_this_machine(total: int) -> int:
    """This process's share of `total` among the training processes on this machine (`accelerate launch` and
    torchrun set LOCAL_WORLD_SIZE), so that together they stay within it."""
    try:
        processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    except ValueError:
        processes = 1
    return total // max(1, processes)


# What the kept heap may grow to: the free blocks it keeps fragment as micro-batches differ in length, and an
# unbounded heap held several times the memory a step needs.
_HEAP_BOUND = _share_of_this_machine(_half_the_memory_at_most_8_gib())


def _heap_bound(limit: int) -> Any:
    """A callback that trims the heap after an optimizer step that left the process over `limit` bytes resident:
    the heap is kept between steps while it stays under, and handed back once when it grows past."""
    from transformers import TrainerCallback

    from rnr_dspy.runtime.peak_memory import resident_bytes

    class _Bound(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if resident_bytes() > limit:  # 0 where /proc cannot be read: never over
                _trim_heap()

    return _Bound()


def run_method(method: str, trainer_cls: type, model_dir: Path, args: Any, rows: list[dict[str, Any]],
              tokenizer: Any, save_to: Path, *, peft_config: Any = None, progress: Progress | None = None,
              **trainer_kwargs: Any) -> MethodResult:
    """Train `model_dir` on `rows` with `trainer_cls` (TRL's `SFTTrainer`, `DPOTrainer` or `GRPOTrainer`, which
    takes its `reward_funcs` from `trainer_kwargs`) and save it to `save_to`."""
    from datasets import Dataset

    trainer = trainer_cls(model=str(model_dir), args=args, train_dataset=Dataset.from_list(rows),
                          processing_class=tokenizer, peft_config=peft_config, **trainer_kwargs)
    if peft_config is not None and trainer.is_fsdp_enabled:
        from rnr_dspy.errors import ConfigError

        raise ConfigError("LoRA under FSDP is not supported: merging the adapters on save needs the whole model on "
                          "one process; train all weights under FSDP, or use LoRA with DDP")
    _quiet(trainer)
    trainer.add_callback(_progress_callback(method, progress))
    trainer.add_callback(_heap_bound(_HEAP_BOUND))
    try:
        with _heap_kept():
            output = trainer.train()
    except RuntimeError as error:  # torch.OutOfMemoryError is one
        hint = _memory_hint(error)
        if hint is None:
            raise
        raise hint from error
    _save(trainer, tokenizer, save_to)
    log = [{"stage": method, **entry} for entry in trainer.state.log_history]  # the log's key, as ever
    losses = [entry["loss"] for entry in log if "loss" in entry]
    tokens = next((entry["num_tokens"] for entry in reversed(log) if "num_tokens" in entry), None)
    result = MethodResult(stage=method, rows=len(rows), steps=trainer.state.global_step,
                         train_loss=output.metrics.get("train_loss"), final_loss=losses[-1] if losses else None,
                         runtime_s=output.metrics.get("train_runtime", 0.0),
                         tokens=int(tokens) if tokens is not None else None, log=log)
    del trainer, output
    _release_memory()  # the next method loads its own models: this one's, and its optimizer's state, are gone
    return result


def _release_memory() -> None:
    """Free what is unreachable now (the trainer and its accelerator refer to each other) and trim the heap."""
    gc.collect()
    _trim_heap()


def _trim_heap() -> None:
    # Hand the heap's free pages back to the system: glibc keeps them, and a step's activations differ in size
    # with its rows, so a run's resident memory would only grow.
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


@functools.cache
def _libc_function(name: str) -> Callable[..., int] | None:
    # glibc's, found among the process's own symbols on first use; None where the C library has none.
    return getattr(ctypes.CDLL(None), name, None)


def _save(trainer: Any, tokenizer: Any, directory: Path) -> None:
    from peft import PeftModel

    # Training turns the KV cache off (gradient checkpointing); the saved model is for inference, where a model
    # loaded without its cache generates many times slower.
    trainer.model.config.use_cache = True
    if isinstance(trainer.model, PeftModel):
        merged = trainer.model.merge_and_unload()
        merged.config.use_cache = True
        if trainer.accelerator.is_main_process:
            merged.save_pretrained(directory, safe_serialization=True)
            tokenizer.save_pretrained(directory)
    else:
        trainer.save_model(str(directory))  # gathers sharded (FSDP/DeepSpeed) weights; writes on the main process
        if trainer.accelerator.is_main_process:
            # A pickle of the trainer's arguments; the run's settings are written as YAML instead.
            (directory / "training_args.bin").unlink(missing_ok=True)
    trainer.accelerator.wait_for_everyone()


def _quiet(trainer: Any) -> None:
    # The library never prints: progress goes through the callback, the log into the result.
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def _progress_callback(method: str, progress: Progress | None) -> Any:
    from transformers import TrainerCallback

    class _Report(TrainerCallback):
        def __init__(self) -> None:
            self.latest: dict[str, float | int | str] = {}

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if progress is not None and state.is_world_process_zero:
                progress(ProgressEvent(phase=method, done=0, total=state.max_steps or None))

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            # A step that logs is reported from `on_log`, which the trainer calls after this: reported here, it
            # would show the previous step's loss.
            if not control.should_log:
                self._report(state)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None,
                   **kwargs: Any) -> None:
            if "loss" in (logs or {}):  # a step's log, not the summary logged when training ends
                self.latest = {key: value for key, value in (logs or {}).items() if isinstance(value, int | float)}
                self._report(state)

        def _report(self, state: Any) -> None:
            # The stats are the latest logged metrics (the loss, the learning rate, ...).
            if progress is not None and state.is_world_process_zero:
                progress(ProgressEvent(phase=method, done=state.global_step, total=state.max_steps or None,
                                       stats=self.latest))

    return _Report()


def _memory_hint(error: RuntimeError) -> Exception | None:
    from rnr_dspy.errors import RnrError

    text = str(error)
    if "out of memory" in text.lower() or "DefaultCPUAllocator" in text:
        return RnrError(f"out of memory while training: {text.splitlines()[0]}. Lower per_device_train_batch_size "
                        "(raise gradient_accumulation_steps to keep the effective batch), lower max_length, turn on "
                        "gradient_checkpointing, or train with --lora")
    return None
