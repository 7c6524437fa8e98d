"""A griffe extension for the API pages: `rnr_dspy.signatures`, `.optimizers` and `.evals` live in top-level
folders mapped by setuptools' `package-dir`, which griffe's static finder does not read; attach them to the
loaded `rnr_dspy` package under their installed names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parents[1]
MAPPED = ("signatures", "optimizers", "evals")


class PackageDirs(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != "rnr_dspy":
            return
        mapped = griffe.GriffeLoader(
            search_paths=[ROOT], modules_collection=loader.modules_collection,
            lines_collection=loader.lines_collection, docstring_parser=loader.docstring_parser,
            docstring_options=loader.docstring_options,
        )
        for name in MAPPED:
            module = mapped.load(name)
            module.name = name
            pkg.set_member(name, module)
