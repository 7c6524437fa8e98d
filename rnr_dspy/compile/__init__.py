"""`rnr-dspy compile`: optimize the RNR program's prompts against the rule-adherence metric."""

from rnr_dspy.compile.job import CompileConfig, make_examples, run_compile
from rnr_dspy.compile.result import CompileResult

__all__ = ["CompileConfig", "CompileResult", "make_examples", "run_compile"]
