"""One-line error text: control characters escaped, never empty."""

from longloop.corpus.one_line import one_line


def test_control_characters_are_escaped_and_the_text_stripped():
    assert one_line("  first\nsecond\tthird\x1b[31m  ") == "first\\nsecond\\tthird\\x1b[31m"
    assert one_line("ünïcode, «quotes» and emoji 🙂") == "ünïcode, «quotes» and emoji 🙂"
    assert one_line("a\u2028b") == "a\\u2028b"  # a line separator is a line break to a terminal or log reader


def test_an_empty_message_says_so():
    assert one_line("") == one_line(" \n\t ") == "(no message)"
