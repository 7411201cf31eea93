"""Tests of storage.export: text files byte-identical to the store, and JSON lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storage import Store
from storage.export import JSONL_FIELDS, export, file_name
from veille.core.textformat import TextParts, content_hash, read, write

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt"


def make_text(n: int) -> str:
    h = f"Titre {n} : sécurité"
    return write(TextParts("2024-01", f"{h} - abamako.com", h, "Publié le lundi 1 janvier 2024",
                           "", [f"Paragraphe {n}.", "Suite « guillemets » et l'apostrophe."]))


def item(url: str, text: str, source: str = "abamako", **kw) -> dict:
    d = {"url": url, "source": source, "site": "abamako.com", "title": "T", "headline": "H",
         "published": "2022-06-30", "rubric": "Monde", "publisher": "Dw",
         "canonical_url": url, "method": "abamako", "text": text,
         "fetched_at": "2026-11-27T10:00:00.000Z"}
    d.update(kw)
    return d


@pytest.fixture
def seed_text() -> str:
    raw = SEED.read_bytes()
    text = raw.decode("utf-8")
    read(text)  # the reference document is in the format
    return text


@pytest.fixture
def store(tmp_path, seed_text):
    s = Store(tmp_path / "veille.db")
    c = s.start_crawl("abamako")
    s.save_batch(c, [
        item("https://news.abamako.com/h/1.html", seed_text),
        item("https://news.abamako.com/h/2.html", make_text(2)),
        item("https://news.abamako.com/h/1-copy.html", seed_text),  # duplicate
        item("https://other.test/3", make_text(3), source="other"),
    ])
    s.save_batch(c, [item("https://news.abamako.com/h/2.html", make_text(22))])  # updated
    yield s
    s.close()


def test_text_export_is_byte_identical(store, tmp_path, seed_text):
    out = tmp_path / "out"
    n = export(store, out, "text")
    assert n == 4
    names = sorted(os.listdir(out))
    h_seed = content_hash(seed_text)
    assert names == [
        file_name(0, h_seed),
        file_name(1, content_hash(make_text(22))),  # the current version
        file_name(2, h_seed),  # the duplicate gets its own file
        file_name(3, content_hash(make_text(3))),
    ]
    assert names[0] == f"000_{h_seed[:16]}.txt"
    assert (out / names[0]).read_bytes() == SEED.read_bytes()
    assert (out / names[2]).read_bytes() == SEED.read_bytes()
    assert (out / names[1]).read_bytes() == make_text(22).encode("utf-8")
    for name in names:
        data = (out / name).read_bytes()
        assert not data.endswith(b"\n")
        assert content_hash(data.decode("utf-8"))[:16] == name[4:20]


def test_text_export_from_path_and_source_filter(store, tmp_path):
    out = tmp_path / "only"
    n = export(store.path, out, source="other")
    assert n == 1
    assert os.listdir(out) == [file_name(0, content_hash(make_text(3)))]
    with pytest.raises(FileNotFoundError):
        export(tmp_path / "nope.db", tmp_path / "x")
    assert not (tmp_path / "nope.db").exists()


def test_jsonl_fields(store, tmp_path, seed_text):
    out = tmp_path / "j"
    assert export(store, out, "jsonl") == 4
    lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        assert tuple(r) == JSONL_FIELDS
    first, second, dup, other = rows
    assert first["text"] == seed_text and first["content_hash"] == content_hash(seed_text)
    assert first["url"] == "https://news.abamako.com/h/1.html"
    assert first["source"] == "abamako" and first["site"] == "abamako.com"
    assert first["published"] == "2022-06-30" and first["publisher"] == "Dw"
    assert first["method"] == "abamako" and first["rubric"] == "Monde"
    assert first["first_seen"] == first["last_seen"] == "2026-11-27T10:00:00.000Z"
    assert first["duplicate_of"] is None and dup["duplicate_of"] == 1
    assert second["versions_count"] == 2 and second["text"] == make_text(22)
    assert other["source"] == "other"
    assert "sécurité" in (out / "articles.jsonl").read_text(encoding="utf-8")  # not \u-escaped


def test_jsonl_to_stdout(store, capsys):
    assert export(store, "-", "jsonl", source="other") == 1
    out = capsys.readouterr().out
    assert json.loads(out)["url"] == "https://other.test/3"
    with pytest.raises(ValueError):
        export(store, "-", "text")


def test_width_grows_past_999(tmp_path):
    s = Store(tmp_path / "big.db")
    c = s.start_crawl("abamako")
    s.save_batch(c, [item(f"https://x.test/{i}", make_text(i)) for i in range(1001)])
    out = tmp_path / "big"
    assert export(s, out) == 1001
    names = sorted(os.listdir(out))
    assert names[0].startswith("0000_") and names[-1].startswith("1000_")
    assert len({n.split("_")[0] for n in names}) == 1001
    s.close()
    assert file_name(7, "ab" * 32) == "007_" + "ab" * 8 + ".txt"


def test_refuses_to_write_outside_out_dir(store, tmp_path, seed_text):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (out / file_name(0, content_hash(seed_text))).symlink_to(outside)
    with pytest.raises(ValueError):
        export(store, out)
    assert outside.read_text() == "keep me"


def test_bad_format(store, tmp_path):
    with pytest.raises(ValueError):
        export(store, tmp_path / "x", "csv")
