"""Bad values from people (flags, environment, batch files) are one line and exit 2 (hashing model, tiny index)."""

from __future__ import annotations

import json

import pytest

from rag.cli import main

MODEL = "hashing-64"


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    d = root / "docs"
    d.mkdir()
    (d / "a.txt").write_text("Release date: 2021-03-01\n\nLoans for small firms were expanded. " * 3, encoding="utf-8")
    (d / "b.txt").write_text("2022-06-10\n\nThe café programme résumé for small firms. " * 3, encoding="utf-8")
    assert main(["index", str(d), "--index-dir", str(root / "index"), "--model", MODEL, "--quiet"]) == 0
    return root


def _one_line_error(capsys, needle: str) -> None:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and "\n" not in err and err.startswith("rag: error:"), err
    assert needle in err, err


@pytest.mark.parametrize("flags,needle", [
    (["--date-from", "2022-13-45"], "--date-from"),
    (["--date-to", "2022-02-30"], "--date-to"),
    (["--date-from", "2023-01-01", "--date-to", "2022-12-31"], "after"),
])
def test_impossible_dates_are_one_line(flags, needle, tiny_index, capsys):
    assert main(["search", "loans", *flags, "--index-dir", str(tiny_index / "index"), "--model", MODEL]) == 2
    _one_line_error(capsys, needle)


@pytest.mark.parametrize("flags,needle", [
    (["--chunk-overlap", "-5"], "chunk_overlap"),
    (["--chunk-size", "0"], "chunk_size"),
    (["--chunk-size", str(10**9)], "chunk_size"),
    (["--chunk-size", "200", "--chunk-overlap", "200"], "chunk_overlap"),
])
def test_absurd_chunking_is_one_line(flags, needle, tiny_index, capsys):
    assert main(["index", str(tiny_index / "docs"), *flags, "--index-dir", str(tiny_index / "other"),
                 "--model", MODEL]) == 2
    _one_line_error(capsys, needle)


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5", "1.5"])
def test_dense_weight_must_be_a_number_between_0_and_1(value, tiny_index, capsys, monkeypatch):
    monkeypatch.setenv("RAG_DENSE_WEIGHT", value)
    assert main(["search", "loans", "--index-dir", str(tiny_index / "index"), "--model", MODEL]) == 2
    _one_line_error(capsys, "dense_weight")


def test_batch_file_with_a_utf8_bom_is_accepted(tiny_index, capsys):
    f = tiny_index / "bom.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "q1", "question": "café résumé"}).encode() + b"\n")
    assert main(["search", "--batch", str(f), "--json", "--index-dir", str(tiny_index / "index"), "--model", MODEL]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "q1"


@pytest.mark.parametrize("cmd", ["search", "ask"])
def test_latin1_batch_file_is_one_line_naming_the_line(cmd, tiny_index, capsys):
    f = tiny_index / "latin1.jsonl"
    f.write_bytes(b'{"id": 1, "question": "loans"}\n' + '{"id": 2, "question": "café résumé"}\n'.encode("latin-1"))
    assert main([cmd, "--batch", str(f), "--json", "--index-dir", str(tiny_index / "index"), "--model", MODEL]) == 2
    _one_line_error(capsys, f"{f}:2")
