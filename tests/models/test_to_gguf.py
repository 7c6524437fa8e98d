"""A Hugging Face model written back as a GGUF (F16 or Q8_0) decodes like the directory it came from."""

import pytest

from rnr_dspy.models.convert import embedded_hf_dir
from rnr_dspy.models.lm import embedded_model_path
from rnr_dspy.models.to_gguf import write_gguf

pytestmark = pytest.mark.embedded

MESSAGES = [{"role": "system", "content": "You are a concise geography tutor."},
            {"role": "user", "content": "Name three rivers in Europe and say where each one flows."}]


@pytest.mark.parametrize("file_type", ["F16", "Q8_0"])
def test_the_written_gguf_decodes_like_the_hugging_face_model(tmp_path, file_type):
    import gguf
    from llama_cpp import Llama
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = embedded_hf_dir()
    path = write_gguf(source, embedded_model_path(), tmp_path / "model.gguf", file_type)
    types = {tensor.tensor_type.name for tensor in gguf.GGUFReader(path).tensors if len(tensor.shape) > 1}
    assert file_type in types and types <= {file_type, "F16", "F32"}
    llama = Llama(model_path=str(path), n_ctx=512, n_threads=2, verbose=False)
    from_gguf = llama.create_chat_completion(MESSAGES, max_tokens=24, temperature=0)["choices"][0]["message"]
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForCausalLM.from_pretrained(source)
    inputs = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    output = model.generate(**inputs, max_new_tokens=24, do_sample=False)
    from_hf = tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    assert from_gguf["content"].split()[:12] == from_hf.split()[:12]
    assert [file.name for file in tmp_path.iterdir()] == ["model.gguf"]


def test_a_model_of_another_architecture_is_refused(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(ValueError, match="gpt2 model"):
        write_gguf(tmp_path, embedded_model_path(), tmp_path / "x.gguf")
