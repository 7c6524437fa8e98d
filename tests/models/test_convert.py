import os

import pytest

from rnr_dspy.errors import LMSpecError
from rnr_dspy.models import convert
from rnr_dspy.models.convert import cache_root, embedded_hf_dir, hf_dir_from_gguf, hf_model_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RNR_DSPY_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("RNR_DSPY_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "rnr-dspy"
    monkeypatch.setenv("RNR_DSPY_CACHE", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


def test_a_file_is_converted_once_until_it_changes_and_failures_leave_nothing(cache, tmp_path, monkeypatch):
    converted = []

    def fake_convert(source, directory):
        converted.append(source)
        (directory / "config.json").write_text("{}")

    monkeypatch.setattr(convert, "_convert", fake_convert)
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    first = hf_dir_from_gguf(gguf)
    assert hf_dir_from_gguf(gguf) == first and len(converted) == 1
    os.utime(gguf, ns=(1, 1))
    assert hf_dir_from_gguf(gguf) != first and len(converted) == 2

    def failing_convert(source, directory):
        (directory / "model.safetensors").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(convert, "_convert", failing_convert)
    os.utime(gguf, ns=(2, 2))
    with pytest.raises(OSError, match="disk full"):
        hf_dir_from_gguf(gguf)
    assert len(list((cache / "hf").iterdir())) == 2  # no partial directory left behind


@pytest.mark.parametrize(("spec", "message"), [
    ("hosted_vllm/Qwen", "'hosted_vllm/Qwen' is a remote model: training needs"),
    ("local:/no/such/place", "neither a .gguf file nor a Hugging Face model directory"),
])
def test_unknown_model_specs_are_refused(spec, message):
    with pytest.raises(LMSpecError, match=message):
        hf_model_dir(spec)


def test_a_model_directory_is_used_as_it_is(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert hf_model_dir(f"local:{tmp_path}") == tmp_path


@pytest.mark.embedded
def test_the_embedded_model_converts_to_a_plain_trainable_directory():
    transformers = pytest.importorskip("transformers")
    directory = embedded_hf_dir()
    assert embedded_hf_dir() == directory  # cached
    model = transformers.AutoModelForCausalLM.from_pretrained(directory)
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
    assert not getattr(model, "is_quantized", False) and not hasattr(model.config, "quantization_config")
    assert 134_000_000 < model.num_parameters() < 135_000_000
    assert tokenizer.eos_token == "<|im_end|>" and "<|im_start|>" in tokenizer.chat_template
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id
    inputs = tokenizer.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                           add_generation_prompt=True, return_tensors="pt", return_dict=True)
    answer = model.generate(**inputs, max_new_tokens=12, do_sample=False)[0, inputs["input_ids"].shape[1]:]
    assert "Paris" in tokenizer.decode(answer)


def test_a_conversion_removes_what_a_killed_conversion_left_and_nothing_of_a_live_one(cache, tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setattr(convert, "_convert", lambda source, directory: (directory / "config.json").write_text("{}"))
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    target_name = f"model-{convert._file_key(gguf)}"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    prefix = convert._staging_prefix(cache / "hf" / target_name)
    abandoned = cache / "hf" / f"{prefix}{dead.stdout.strip()}-abc"
    live = cache / "hf" / f"{prefix}{os.getpid()}-def"
    elsewhere = cache / "hf" / f".{target_name}-another-host-{dead.stdout.strip()}-ghi"
    for directory in (abandoned, live, elsewhere):
        directory.mkdir(parents=True)
        (directory / "model.safetensors").write_text("half")
    assert (hf_dir_from_gguf(gguf) / "config.json").is_file()
    assert not abandoned.exists() and live.is_dir() and elsewhere.is_dir()
