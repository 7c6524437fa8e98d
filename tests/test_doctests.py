"""Every docstring example in the package runs and shows what it says (examples that need a model or a file are
marked `+SKIP`)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

_PACKAGES = ("rnr_dspy", "rnr_dspy.signatures", "rnr_dspy.optimizers", "rnr_dspy.evals")
_SKIP = ("rnr_dspy.cli.__main__",)  # running it runs the command line


def _modules() -> list[str]:
    names = set(_PACKAGES)
    for package in _PACKAGES:
        path = importlib.import_module(package).__path__
        names |= {info.name for info in pkgutil.walk_packages(path, f"{package}.") if info.name not in _SKIP}
    return sorted(names)


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = []
    for name in _modules():
        module = importlib.import_module(name)
        tests += [test for test in finder.find(module, name, module=module) if test.examples]
    return tests


@pytest.mark.parametrize("test", _examples(), ids=lambda test: test.name)
def test_docstring_example(test: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)
