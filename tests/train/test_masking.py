"""Assistant-only loss, verified on a rendered example: the labels the trainer's collator builds are -100 for the
system and user turns and the assistant's tokens (through its end-of-turn token) for the answer."""

import json

import pytest
from train_rows import SYSTEM, sft_row

from rnr_dspy.train.config import TrainConfig
from rnr_dspy.train.data import load_sft_rows


def test_system_and_user_tokens_are_masked_and_assistant_tokens_are_not(tiny_model_dir, tiny_tokenizer, tmp_path):
    from datasets import Dataset
    from trl import SFTTrainer

    (tmp_path / "sft.jsonl").write_text(json.dumps(sft_row(0)) + "\n")
    rows = load_sft_rows([tmp_path / "sft.jsonl"]).rows
    args = TrainConfig(data=[tmp_path], out=tmp_path / "out").sft_arguments()
    trainer = SFTTrainer(model=str(tiny_model_dir), args=args, train_dataset=Dataset.from_list(rows),
                         processing_class=tiny_tokenizer)
    batch = trainer.data_collator([trainer.train_dataset[0]])
    ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    trained = [token for token, label in zip(ids, labels, strict=True) if label != -100]
    masked = tiny_tokenizer.decode([token for token, label in zip(ids, labels, strict=True) if label == -100])

    assert tiny_tokenizer.decode(trained) == "Boil salted water, add pasta, stir. Bon appetit.<|im_end|>\n"
    assert masked == (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nHow do I cook pasta number 0?"
                      "<|im_end|>\n<|im_start|>assistant\n")
    first_trained = labels.index(trained[0])
    assert all(label == -100 for label in labels[:first_trained])
    assert labels[first_trained:] == ids[first_trained:]


@pytest.fixture(autouse=True)
def _trl():
    pytest.importorskip("trl")
