"""Models: LM specs resolved to DSPy LMs, the in-process engines (llama.cpp for GGUF, transformers for a Hugging
Face directory), and conversions between GGUF and Hugging Face directories. Heavy libraries load on first use."""

from rnr_dspy.models.lm import EMBEDDED_MODEL_FILE, embedded_model_path, lm_id, make_lm

__all__ = ["EMBEDDED_MODEL_FILE", "embedded_model_path", "lm_id", "make_lm"]
