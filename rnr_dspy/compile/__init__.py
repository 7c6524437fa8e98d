"""`rnr-dspy compile`: optimize the RNR program's prompts against the rule-adherence metric."""

from rnr_dspy.compile.job import CompileConfig, CompileResult, make_examples, run_compile

__all__ = ["CompileConfig", "CompileResult", "make_examples", "run_compile"]
