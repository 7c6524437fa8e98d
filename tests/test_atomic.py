import json
import os
import stat

import pytest
import yaml

from rnr_dspy.runtime import atomic
from rnr_dspy.runtime.atomic import staged, write_json, write_text, write_yaml


def leftovers(folder):
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_a_write_interrupted_before_its_rename_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "usage.json"
    write_json(path, {"runs": [1, 2, 3]})

    def killed(*_):
        raise KeyboardInterrupt  # what a signal does between writing and renaming

    monkeypatch.setattr(atomic.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_json(path, {"runs": [1, 2, 3, 4]})
    assert json.loads(path.read_text()) == {"runs": [1, 2, 3]} and leftovers(tmp_path) == []


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    with pytest.raises(TypeError):
        write_json(tmp_path / "report.json", {"not json": object()})
    assert list(tmp_path.iterdir()) == []


def test_files_are_created_with_the_usual_permissions_and_their_folder(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text(tmp_path / "a" / "b" / "report.md", "# Report\n")
    finally:
        os.umask(old)
    assert path.read_text() == "# Report\n" and stat.S_IMODE(path.stat().st_mode) == 0o644


def test_json_and_yaml_reports_never_hold_a_password_from_a_url(tmp_path):
    report = {"config": {"api_base": "http://me:PW@127.0.0.1:8000/v1", "lm": "hosted_vllm/x"}, "name": "café"}
    write_json(tmp_path / "r.json", report)
    write_yaml(tmp_path / "r.yaml", report)
    assert "PW" not in (tmp_path / "r.json").read_text() and "PW" not in (tmp_path / "r.yaml").read_text()
    assert json.loads((tmp_path / "r.json").read_text())["config"]["api_base"] == "http://me:***@127.0.0.1:8000/v1"
    assert yaml.safe_load((tmp_path / "r.yaml").read_text())["name"] == "café"


def test_a_staged_path_keeps_the_suffix_and_replaces_the_target_only_on_success(tmp_path):
    target = tmp_path / "program.json"
    target.write_text("old")
    with staged(target) as staging:
        assert staging.suffix == ".json" and staging.parent == tmp_path
        staging.write_text("new")
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError), staged(target) as staging:
        staging.write_text("half")
        raise RuntimeError
    assert target.read_text() == "new" and leftovers(tmp_path) == []
