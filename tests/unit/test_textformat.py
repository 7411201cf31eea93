"""The text format: writer, reader, and the reference document."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.core.textformat import FormatError, TextParts, clean, content_hash, read, write

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_4c2eddb1c88bd00e.txt"
SHARED_SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / SEED.name


def seed_text() -> str:
    return SEED.read_bytes().decode("utf-8")


def test_seed_is_the_shared_reference_byte_for_byte():
    if not SHARED_SEED.exists():
        pytest.skip("../shared/seeds not beside the checkout")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_reference_document_facts():
    raw = SEED.read_bytes()
    assert len(raw) == 3245
    assert b"\r" not in raw and not raw.endswith(b"\n")
    parts = read(raw.decode("utf-8"))
    assert parts.date == "2022-06"
    assert parts.title == "L\u2032OTAN pourait-elle intervenir militairement au Mali ? - abamako.com"
    assert parts.headline == "L\u2032OTAN pourait-elle intervenir militairement au Mali ?"
    assert parts.dateline == "Publié le jeudi 30 juin 2022 | Dw"
    assert parts.caption == "M. Anders Fogh Rasmussen, OTAN"
    assert len(parts.paragraphs) == 12
    assert parts.paragraphs[0].startswith("L'Alliance transatlantique")
    assert parts.paragraphs[-1].endswith("et le terrorisme.")


def test_reference_document_round_trips():
    text = seed_text()
    assert write(read(text)) == text


def test_writer_builds_the_reference_from_messy_parts():
    p = read(seed_text())
    messy = TextParts(
        date=p.date,
        title="  " + p.title.replace(" ", "\u00a0 ") + "\n",
        headline=p.headline.replace(" ", "\t"),
        dateline=p.dateline.replace(" ", "\u202f"),
        caption="\n" + p.caption + "  ",
        paragraphs=["\u00a0", ""] + [q.replace(" ", "\n ") for q in p.paragraphs] + ["  \n "],
    )
    assert write(messy) == seed_text()


def test_no_caption_lead_follows_headline():
    text = write(TextParts("2023-01", "T - abamako.com", "T", "Publié le lundi 23 janvier 2023 | X", "", ["a", "b"]))
    assert text == " date 2023-01 T - abamako.com\n\nT Publié le lundi 23 janvier 2023 | X\n\na\n\n\n\nb"
    back = read(text)
    assert back.caption == "" and back.paragraphs == ["a", "b"]


def test_whitespace_rules():
    assert clean(" a\u00a0\u202f b\t\nc \u2009") == "a b c"
    assert clean(None) == ""


@pytest.mark.parametrize(
    "bad",
    [
        "date 2022-06 no leading space",
        " date 2022-6 T\n\nH",
        " date 2022-06 T\r\n\r\nH",
        " date 2022-06 T\n\nH\n",
        " date 2022-06 T",
    ],
)
def test_reader_rejects_what_is_not_the_format(bad):
    with pytest.raises(FormatError):
        read(bad)


def test_writer_needs_date_title_headline():
    with pytest.raises(FormatError):
        write(TextParts("", "T", "H"))
    with pytest.raises(FormatError):
        write(TextParts("2022-06", " ", "H"))
    with pytest.raises(FormatError):
        write(TextParts("2022-06", "T", ""))


def test_content_hash_is_sha256_of_utf8():
    import hashlib

    assert content_hash(seed_text()) == hashlib.sha256(SEED.read_bytes()).hexdigest()


words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r"),
    min_size=0,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    year=st.integers(1990, 2099),
    month=st.integers(1, 12),
    title=words,
    headline=words,
    dateline=st.one_of(st.just(""), words.map(lambda w: "Publié le " + w)),
    caption=words,
    paragraphs=st.lists(words, max_size=8),
)
def test_round_trip_property(year, month, title, headline, dateline, caption, paragraphs):
    """read(write(parts)) gives the same parts back (normalized), and the same bytes."""
    parts = TextParts(f"{year:04d}-{month:02d}", title, headline, dateline, caption, paragraphs)
    try:
        text = write(parts)
    except FormatError:
        assert not clean(title) or not clean(headline)
        return
    assert "\r" not in text and not text.endswith(("\n", " "))
    back = read(text)
    assert write(back) == text
    norm = parts.normalized()
    assert back.date == norm.date and back.title == norm.title
    if "Publié le" not in norm.headline:
        assert (back.headline, back.dateline) == (norm.headline, norm.dateline)
    if norm.paragraphs:
        assert back.caption == norm.caption and back.paragraphs == norm.paragraphs
