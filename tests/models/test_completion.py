"""A reply's text as tokens arrive: cut before the first stop string, even one split across tokens."""

from rnr_dspy.models.completion import ReplyText


def test_a_stop_string_split_across_tokens_ends_the_text_before_it():
    reply = ReplyText(("<|im_end|>",))
    assert not reply.add(b"Hello <|im")
    assert reply.add(b"_end|> and more")
    assert reply.text() == "Hello "


def test_the_earliest_stop_string_wins_whatever_their_order():
    reply = ReplyText(("END", "stop"))
    assert reply.add(b"one stop two END")
    assert reply.text() == "one "


def test_without_stop_strings_the_text_is_every_byte_and_an_unfinished_character_is_dropped():
    reply = ReplyText(("", ))
    for piece in (b"caf", "é".encode()[:1]):
        assert not reply.add(piece)
    assert reply.text() == "caf"
    reply.add("é".encode()[1:])
    assert reply.text() == "café"
