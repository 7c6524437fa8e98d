import ast
import importlib
import importlib.resources
import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

import rnr_dspy

REPO = Path(__file__).resolve().parent.parent
BARE_NAMES = ("signatures", "optimizers", "evals")
PACKAGE = Path(rnr_dspy.__file__).resolve().parent


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", BARE_NAMES)
def test_bare_top_level_folder_is_not_importable(name):
    spec = importlib.util.find_spec(name)
    exposing = [entry for entry in sys.path if (Path(entry or ".").resolve() / name).is_dir()]
    assert name not in sys.modules and spec is None, (
        f"`import {name}` resolves to {spec and (spec.origin or list(spec.submodule_search_locations or []))}: "
        f"sys.path entries {exposing} expose the repository's top-level `{name}/` folder. Run the tests with the "
        "`pytest` entry point (not `python -m pytest`, which puts the working directory on sys.path), without a "
        "PYTHONPATH to the repository, and keep `--import-mode=importlib`, which does not insert the rootdir or "
        "test folders into sys.path."
    )


@pytest.mark.parametrize("name", BARE_NAMES)
def test_subpackage_imports_from_its_top_level_folder(name):
    module = importlib.import_module(f"rnr_dspy.{name}")
    folder = Path(module.__file__).resolve().parent
    if "site-packages" in folder.parts:
        assert folder == PACKAGE / name
    else:
        assert folder == REPO / name
        assert PACKAGE == REPO / "rnr_dspy"


def test_subpackages_expose_their_main_objects():
    from rnr_dspy.evals import rnr_task
    from rnr_dspy.optimizers import rule_adherence
    from rnr_dspy.rules import REGISTRY
    from rnr_dspy.signatures import GenerateRules

    assert REGISTRY and rnr_task
    assert rule_adherence is rnr_dspy.rule_adherence
    assert GenerateRules.output_fields


def test_ruff_bans_the_bare_names(pyproject):
    banned = pyproject["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    for name in BARE_NAMES:
        assert f"rnr_dspy.{name}" in banned[name]["msg"]
    assert "TID" in pyproject["tool"]["ruff"]["lint"]["select"]


def test_setuptools_maps_the_top_level_folders_into_rnr_dspy(pyproject):
    setuptools = pyproject["tool"]["setuptools"]
    assert setuptools["package-dir"] == {f"rnr_dspy.{name}": name for name in BARE_NAMES}
    assert set(setuptools["packages"]) >= {"rnr_dspy", *(f"rnr_dspy.{name}" for name in BARE_NAMES)}
    assert "rnr_dspy.rules.checkers" in setuptools["packages"]
    assert "seeds/*.jsonl" in setuptools["package-data"]["rnr_dspy"]


def test_pytest_uses_importlib_mode(pyproject):
    assert "--import-mode=importlib" in pyproject["tool"]["pytest"]["ini_options"]["addopts"]


def _bare_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] in BARE_NAMES:
                yield f"{path.relative_to(REPO)}:{node.lineno}: {name}"


def _package_imports(folder):
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("rnr_dspy"):
                yield f"{path.relative_to(REPO)}:{node.lineno}", node.module
            elif isinstance(node, ast.Import):
                yield from ((f"{path.relative_to(REPO)}:{node.lineno}", alias.name) for alias in node.names
                            if alias.name.startswith("rnr_dspy"))


def _module(folder):
    return "rnr_dspy." + folder.removeprefix("rnr_dspy/").replace("/", ".")


def test_the_rules_layer_imports_nothing_above_it():
    upward = [(where, name) for where, name in _package_imports(PACKAGE / "rules")
              if not name.startswith("rnr_dspy.rules")]
    assert upward == []


# The layers, bottom up: a folder never imports a folder of a higher layer (the folder tree is the import tree).
LAYERS = [
    ["rnr_dspy/runtime"],
    ["rnr_dspy/models", "rnr_dspy/seeds"],
    ["signatures"],
    ["rnr_dspy/program"],
    ["optimizers"],
    ["evals"],
    ["rnr_dspy/generate", "rnr_dspy/train", "rnr_dspy/compile"],
    ["rnr_dspy/view"],
    ["rnr_dspy/cli"],
]
TOP = ("rnr_dspy.recipe", "rnr_dspy.stages")  # the recipe runner and the stage table: for the CLI only
ABOVE = {folder: (*(_module(higher) for layer in LAYERS[index + 1:] for higher in layer),
                  *(TOP if folder != "rnr_dspy/cli" else ()))
         for index, layer in enumerate(LAYERS) for folder in layer}


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_no_layer_imports_a_higher_one(layer):
    upward = [(where, name) for where, name in _package_imports(REPO / layer)
              if name.startswith(ABOVE[layer]) and not name.startswith(_module(layer))]
    assert upward == []


def test_every_folder_of_the_package_has_a_layer():
    folders = {str(path.parent.relative_to(REPO)) for path in PACKAGE.glob("*/__init__.py")}
    placed = {folder for layer in LAYERS for folder in layer} | {"rnr_dspy/rules"}
    assert folders - placed == set()


def test_no_package_hides_an_import_cycle_behind_a_lazy_getattr():
    inits = [path for folder in ("rnr_dspy", *BARE_NAMES) for path in (REPO / folder).rglob("__init__.py")]
    lazy = [str(path.relative_to(REPO)) for path in inits if "def __getattr__" in path.read_text(encoding="utf-8")]
    assert lazy == []


def test_no_source_file_imports_a_bare_name():
    folders = ["rnr_dspy", *BARE_NAMES, "tests"]
    offenders = [hit for folder in folders for path in sorted((REPO / folder).rglob("*.py"))
                 for hit in _bare_imports(path)]
    assert offenders == []


@pytest.mark.parametrize("name", ["RNRProgram", "RuleJudge", "rule_adherence", "make_lm", "load_seeds"])
def test_public_api_is_exported(name):
    assert name in rnr_dspy.__all__
    assert getattr(rnr_dspy, name) is not None


def test_every_exported_name_exists():
    missing = [name for name in rnr_dspy.__all__ if not hasattr(rnr_dspy, name)]
    assert missing == []


def test_shipped_seed_file_is_package_data():
    shipped = importlib.resources.files("rnr_dspy") / "seeds" / "instructions.jsonl"
    assert shipped.is_file()
    assert shipped.read_text(encoding="utf-8").count("\n") >= 150


def test_package_is_typed():
    assert (importlib.resources.files("rnr_dspy") / "py.typed").is_file()
