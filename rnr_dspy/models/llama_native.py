"""llama.cpp through its C API (llama-cpp-python's low-level module): one loaded model with a context that holds
several sequences, each in its own KV cache stream, decoded together in one batch.

Measured choices that make a reply the same alone or batched with others (token for token under greedy
decoding), and fast:
- A KV stream per sequence (`kv_unified=False`): attention stays within the sequence and costs what a single
  stream costs, however many others run.
- Flash attention: it skips masked cells and sums a row's cells in order, so the result does not depend on how far
  other streams reach (without it, the padded attention width, set by the longest stream in the batch, moved a
  sequence's cells between vector and scalar loops and changed its rounding); it also doubled batched throughput.
- Micro-batches of at most 16 rows when llama.cpp repacks the weights for the CPU's matrix units (AMX): this
  build's AMX kernels get micro-batches of 32 rows or more wrong (logits off by 6-12, so also every prompt of 32+
  tokens that llama-cpp-python's `Llama` decodes in its 512-token micro-batches). Up to 30 rows they agree with
  the plain kernels, and up to 16 they give each row the same result at any row count; they are about twice as
  fast as the plain kernels. `repack_weights=False` keeps the plain kernels instead (any micro-batch size).

llama.cpp puts sequences into one micro-batch only when their ids are consecutive and ascending in the batch, so
`TokenBatch` is filled in sequence-id order.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
from typing import Any

import numpy as np

from rnr_dspy.errors import LMSpecError

__all__ = ["NativeLlama", "TokenBatch", "gguf_file_type", "quantize"]

_AMX_ROWS = 16


class TokenBatch:
    """A `llama_batch` whose arrays live in numpy, filled one sequence chunk at a time."""

    def __init__(self, capacity: int) -> None:
        from llama_cpp import llama_cpp as lib

        self.capacity = capacity
        self.tokens = np.zeros(capacity, np.int32)
        self.positions = np.zeros(capacity, np.int32)
        self.n_seq_id = np.ones(capacity, np.int32)
        self.seq_ids = np.zeros(capacity, np.int32)
        self.logits = np.zeros(capacity, np.int8)
        int_p = ctypes.POINTER(ctypes.c_int32)
        base, step = self.seq_ids.ctypes.data, self.seq_ids.itemsize
        self._seq_id_ptrs = (int_p * capacity)(*(ctypes.cast(base + i * step, int_p) for i in range(capacity)))
        self.struct = lib.llama_batch(
            n_tokens=0, token=self.tokens.ctypes.data_as(int_p), embd=None,
            pos=self.positions.ctypes.data_as(int_p), n_seq_id=self.n_seq_id.ctypes.data_as(int_p),
            seq_id=self._seq_id_ptrs, logits=self.logits.ctypes.data_as(ctypes.POINTER(ctypes.c_int8)),
        )
        self.size = 0

    def clear(self) -> None:
        self.size = 0

    def add(self, seq_id: int, tokens: list[int], start: int, *, logits: bool) -> int:
        """Append `tokens` of sequence `seq_id` at positions `start`…; returns the index of the last one."""
        end = self.size + len(tokens)
        if end > self.capacity:
            raise ValueError(f"batch overflow: {end} > {self.capacity} tokens")
        self.tokens[self.size:end] = tokens
        self.positions[self.size:end] = np.arange(start, start + len(tokens), dtype=np.int32)
        self.seq_ids[self.size:end] = seq_id
        self.logits[self.size:end] = 0
        self.logits[end - 1] = int(logits)
        self.size = end
        return end - 1


class NativeLlama:
    """A GGUF model and a context for `n_seq` sequences of up to `n_ctx` tokens each."""

    def __init__(self, model_path: Path, *, n_ctx: int, n_seq: int, n_threads: int, n_batch: int,
                 repack_weights: bool = True) -> None:
        lib = _llama_cpp()
        lib.llama_backend_init()
        self._lib = lib
        model_params = lib.llama_model_default_params()
        model_params.use_extra_bufts = repack_weights
        self.model = lib.llama_model_load_from_file(str(model_path).encode(), model_params)
        if not self.model:
            raise LMSpecError(f"llama.cpp could not load {str(model_path)!r} (not a GGUF model it supports?)")
        params = lib.llama_context_default_params()
        params.n_ctx, params.n_seq_max, params.kv_unified = n_ctx * n_seq, n_seq, False
        params.n_batch = n_batch
        params.n_ubatch = min(n_batch, _AMX_ROWS) if repack_weights else n_batch
        params.n_threads = params.n_threads_batch = n_threads
        params.no_perf = True
        params.flash_attn = True
        self.ctx = lib.llama_init_from_model(self.model, params)
        if not self.ctx:
            lib.llama_model_free(self.model)
            raise LMSpecError(f"llama.cpp could not make a context of {n_seq} x {n_ctx} tokens for {model_path}")
        self.n_ctx, self.n_seq, self.n_batch = n_ctx, n_seq, n_batch
        self.vocab = lib.llama_model_get_vocab(self.model)
        self.n_vocab = lib.llama_vocab_n_tokens(self.vocab)
        self.memory = lib.llama_get_memory(self.ctx)
        self.batch = TokenBatch(n_batch)

    def tokenize(self, text: str, *, add_bos: bool) -> list[int]:
        data = text.encode("utf-8")
        buffer = (self._lib.llama_token * (len(data) + 2))()
        count = self._lib.llama_tokenize(self.vocab, data, len(data), buffer, len(buffer), add_bos, True)
        if count < 0:
            raise ValueError(f"tokenizing {len(data)} bytes failed ({count})")
        return list(buffer[:count])

    def piece(self, token: int) -> bytes:
        """A token's bytes as llama-cpp-python's detokenizer renders them (special tokens as nothing)."""
        buffer = ctypes.create_string_buffer(64)
        size = self._lib.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, False)
        return buffer.raw[:size]

    def token_text(self, token: int) -> str:
        return self._lib.llama_vocab_get_text(self.vocab, token).decode("utf-8") if token != -1 else ""

    def is_end(self, token: int) -> bool:
        return bool(self._lib.llama_vocab_is_eog(self.vocab, token))

    def special_tokens(self) -> tuple[int, int]:
        return self._lib.llama_vocab_bos(self.vocab), self._lib.llama_vocab_eos(self.vocab)

    def metadata(self, key: str) -> str | None:
        size = 1024
        while True:
            buffer = ctypes.create_string_buffer(size)
            length = self._lib.llama_model_meta_val_str(self.model, key.encode(), buffer, size)
            if length < 0:
                return None
            if length < size:
                return buffer.value.decode("utf-8")
            size = length + 1

    def decode(self, batch: TokenBatch) -> int:
        batch.struct.n_tokens = batch.size
        return int(self._lib.llama_decode(self.ctx, batch.struct))

    def logits(self, index: int) -> np.ndarray[Any, np.dtype[np.float32]]:
        pointer = self._lib.llama_get_logits_ith(self.ctx, index)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))

    def forget(self, seq_id: int, start: int = 0) -> int:
        """Drop sequence `seq_id`'s cells from position `start` on; returns how many positions remain."""
        if self._lib.llama_memory_seq_rm(self.memory, seq_id, start, -1):
            return start
        self._lib.llama_memory_seq_rm(self.memory, seq_id, 0, -1)  # a cache that cannot cut a sequence drops it
        return 0

    def copy(self, source: int, target: int) -> None:
        """Make sequence `target`'s cells a copy of sequence `source`'s (whole streams: llama.cpp copies the buffer
        before the next decode)."""
        self._lib.llama_memory_seq_cp(self.memory, source, target, -1, -1)

    def close(self) -> None:
        if self.ctx:
            self._lib.llama_free(self.ctx)
            self.ctx = None
        if self.model:
            self._lib.llama_model_free(self.model)
            self.model = None


def quantize(source: Path, target: Path, file_type: str) -> None:
    """Write the GGUF `source` to `target` quantized by llama.cpp to `file_type` (e.g. "Q8_0"), every tensor but
    the embeddings and norms its quantizer keeps."""
    lib = _llama_cpp()
    params = lib.llama_model_quantize_default_params()
    params.ftype = getattr(lib, f"LLAMA_FTYPE_MOSTLY_{file_type}")
    params.nthread = 0  # every core
    if lib.llama_model_quantize(str(source).encode(), str(target).encode(), ctypes.byref(params)) != 0:
        raise LMSpecError(f"llama.cpp could not quantize {str(source)!r} to {file_type}")


def gguf_file_type(path: Path) -> str:
    """The number format of a GGUF's weights as llama.cpp names it ("Q4_1", "Q8_0", "F16"); "" when unrecorded.
    Reads the metadata only (no weights)."""
    lib = _llama_cpp()
    lib.llama_backend_init()
    params = lib.llama_model_default_params()
    params.vocab_only = True
    model = lib.llama_model_load_from_file(str(path).encode(), params)
    if not model:
        raise LMSpecError(f"llama.cpp could not read {str(path)!r} (not a GGUF model it supports?)")
    try:
        buffer = ctypes.create_string_buffer(32)
        if lib.llama_model_meta_val_str(model, b"general.file_type", buffer, len(buffer)) < 0:
            return ""
    finally:
        lib.llama_model_free(model)
    names = {getattr(lib, name): name for name in dir(lib) if name.startswith("LLAMA_FTYPE_")}
    name = names.get(int(buffer.value or -1), "")
    return name.removeprefix("LLAMA_FTYPE_").removeprefix("MOSTLY_").removeprefix("ALL_")


def _llama_cpp() -> Any:
    """llama.cpp's C API; importing the package installs its log callback, quietened here to errors."""
    from llama_cpp import llama_cpp as lib

    _quiet_llama_logs()
    return lib


def _quiet_llama_logs() -> None:
    # llama.cpp's callback prints everything while the logger's level is unset; keep its errors only.
    logger = logging.getLogger("llama-cpp-python")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)
