import pytest

from rnr_dspy.errors import LMSpecError
from rnr_dspy.models.spec import EMBEDDED_MODEL_NAME, ModelSpec, embedded_model_path


def test_embedded_is_the_packaged_gguf():
    spec = ModelSpec.parse("embedded")
    assert (spec.kind, spec.is_local, spec.name, spec.path) == ("embedded", True, EMBEDDED_MODEL_NAME, None)
    assert spec.gguf_file() == spec.local_path() == embedded_model_path()


def test_a_local_gguf_file(tmp_path):
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    spec = ModelSpec.parse(f"local:{gguf}")
    assert (spec.kind, spec.path, spec.name, spec.gguf_file()) == ("gguf", gguf, "local/tiny.gguf", gguf)


def test_a_local_hugging_face_directory(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    spec = ModelSpec.parse(f"local:{tmp_path}")
    assert (spec.kind, spec.path, spec.local_path()) == ("hf_dir", tmp_path, tmp_path)
    with pytest.raises(LMSpecError, match="is not a GGUF model"):
        spec.gguf_file()


def test_a_home_relative_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert ModelSpec.parse("local:~/m.gguf").path == tmp_path / "m.gguf"


def test_a_remote_model_carries_its_server_and_masks_its_password():
    spec = ModelSpec.parse("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", api_base="http://me:PW@127.0.0.1:8000/v1")
    assert (spec.kind, spec.is_local, spec.model) == ("remote", False, "hosted_vllm/Qwen/Qwen2.5-7B-Instruct")
    assert spec.api_base == "http://me:PW@127.0.0.1:8000/v1" and spec.local_path() is None
    assert "PW" not in str(spec) and "127.0.0.1:8000" in str(spec)
    with pytest.raises(LMSpecError, match="not a GGUF model"):
        spec.gguf_file()


def test_api_base_applies_to_remote_models_only():
    assert ModelSpec.parse("embedded", api_base="http://127.0.0.1:1/v1").api_base is None


@pytest.mark.parametrize("text", ["gpt4", "", "   ", "/abs/path", "openai/", "openai/gpt 4"])
def test_an_unknown_spec_names_the_forms_that_exist(text):
    with pytest.raises(LMSpecError, match=r"embedded.*local:PATH.*provider/model"):
        ModelSpec.parse(text)


def test_a_path_given_without_local_prefix_is_pointed_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "model").mkdir(parents=True)
    with pytest.raises(LMSpecError, match="write local:runs/model"):
        ModelSpec.parse("runs/model")


@pytest.mark.parametrize(("make", "message"), [
    (lambda root: root / "missing.gguf", "does not exist"),
    (lambda root: root, "a directory without config.json"),
    (lambda root: root / "weights.bin", "a file but not a .gguf file"),
])
def test_a_local_path_that_is_not_a_model_says_why(tmp_path, make, message):
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(LMSpecError, match=message):
        ModelSpec.parse(f"local:{make(tmp_path)}")


def test_local_without_a_path_is_refused():
    with pytest.raises(LMSpecError, match="names no path"):
        ModelSpec.parse("local:")


def test_a_model_a_later_stage_writes_is_classed_by_its_name(tmp_path):
    assert ModelSpec.parse(f"local:{tmp_path / 'model.gguf'}", must_exist=False).kind == "gguf"
    assert ModelSpec.parse(f"local:{tmp_path / 'model'}", must_exist=False).kind == "hf_dir"
