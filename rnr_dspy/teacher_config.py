"""`TeacherStageConfig`: what the stages that run the RNR program (compile, generate) share. Each part has one
owner: the connection to the LMs is `LMSettings`, how the program runs is `ProgramSettings`; this module adds the
teacher, the seeds and how they are grouped, and the token and temperature settings of the program's LM calls."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic.config import JsonDict

from rnr_dspy.models.settings import LM_PANEL, LMSettings
from rnr_dspy.program.rnr_program import ProgramSettings
from rnr_dspy.seeds.data import SHIPPED_SEEDS, SeedColumns

__all__ = ["SEED_PANEL", "TeacherStageConfig"]

SEED_PANEL: JsonDict = {"panel": "Seeds"}


class TeacherStageConfig(LMSettings, ProgramSettings):
    """The teacher and its connection (`LMSettings`), the program's settings (`ProgramSettings`), the seeds."""

    lm: str = Field("embedded", description="Teacher LM spec: embedded, local:PATH, or a DSPy model string.",
                    json_schema_extra=LM_PANEL)
    engine_batch: int | None = Field(None, ge=1, le=64, description="Requests the embedded/GGUF engine decodes "
                                     "together (llama.cpp sequences, each holding its KV cells; default 8); more "
                                     "wait in its queue.", json_schema_extra=LM_PANEL)
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Temperature of the teacher and the judge (the "
                               "role, rule, turn and judge steps).")
    max_tokens: int = Field(1024, ge=16, description="Token limit of the teacher's and the judge's replies (the "
                            "role, rule, turn and judge steps).")
    seeds: str = Field(SHIPPED_SEEDS, description="Seed file (jsonl/json/csv/parquet), hub dataset id, or 'shipped'.",
                       json_schema_extra=SEED_PANEL)
    columns: SeedColumns = Field(default_factory=SeedColumns, description="Which seed columns hold what (unset: "
                                 "detected).", json_schema_extra=SEED_PANEL)
    limit: int | None = Field(None, ge=1, description="Use at most this many seeds.", json_schema_extra=SEED_PANEL)
    k: int = Field(4, ge=1, le=32, description="Instructions per group (one role per group).",
                   json_schema_extra=SEED_PANEL)

    def lm_kwargs(self, **settings: Any) -> dict[str, Any]:
        """The keyword arguments of `make_lm` for the teacher and the judge: the connection, the engine batch, the
        temperature and token limit (`settings` on top)."""
        return super().lm_kwargs(engine_batch=self.engine_batch, temperature=self.temperature,
                                 max_tokens=self.max_tokens, **settings)
