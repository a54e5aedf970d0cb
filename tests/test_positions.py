"""`LineIndex` maps offsets to 1-based lines and columns; its line starts are summed in C,
so they are checked here against the plain definition (each line starts after a newline)."""

import random

from advisor.model import LineIndex


def _starts_by_hand(source: str) -> list[int]:
    return [0, *(offset + 1 for offset, char in enumerate(source) if char == "\n")]


def test_line_starts_are_where_each_line_begins():
    rng = random.Random(7)
    samples = ["", "x", "\n", "\n\n\n", "a\nb", "a\nb\n", "\r\n\r\n", "one\rtwo\nthree", "é\n😀\n\u2028x\n",
               *("".join(rng.choice("ab \n\r\t") for _ in range(rng.randint(0, 60))) for _ in range(300))]
    for source in samples:
        lines = LineIndex(source)
        assert lines.line_starts == _starts_by_hand(source), repr(source)
        assert lines.line_count == source.count("\n") + 1


def test_positions_round_trip_through_offsets():
    source = "first line\n\nthird: é\nlast"
    lines = LineIndex(source)
    for offset in range(len(source) + 1):
        line, column = lines.position(offset)
        assert lines.offset(line, column) == offset
    assert lines.position(source.index("third")) == (3, 1)
    assert lines.position(len(source)) == (4, 5)
