"""Hostile or awkward input files: one bad file is reported and skipped, never fatal."""

from __future__ import annotations

import io
import os
import threading
import zlib
from pathlib import Path

import pytest

from rag import loaders
from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.errors import LoadError
from rag.loaders import iter_files, load_file
from rag.settings import Settings

from .pdf_support import raw_pdf as _pdf

TEXT = "Special relief funds for small enterprises were announced by the ministry."


def _text_pdf(text: str = TEXT) -> bytes:
    return _pdf(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())


def _bomb_pdf() -> bytes:
    """~80 KB of Flate data that inflates past pypdf's 75 MB limit."""
    comp = zlib.compressobj(9)
    head = f"BT /F1 12 Tf 72 720 Td ({TEXT}) Tj ET\n".encode()
    body = comp.compress(head) + b"".join(comp.compress(b" " * 1_000_000) for _ in range(80)) + comp.flush()
    return _pdf(body, b"/Filter /FlateDecode ")


def _engine(tmp_path: Path, **kw) -> Engine:
    return Engine(Settings(index_dir=str(tmp_path / "idx"), model="hashing-64", **kw), embedder=HashingEmbedder(64))


def _good(d: Path) -> None:
    (d / "good.txt").write_text("Good file\n\n" + TEXT * 3, encoding="utf-8")


def test_pdf_decompression_bomb_is_skipped_and_the_run_goes_on(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    _good(d)
    bomb = _bomb_pdf()
    assert len(bomb) < 200_000
    (d / "bomb.pdf").write_bytes(bomb)
    rep = _engine(tmp_path).index([d])
    assert rep.documents == 1
    assert [Path(p).name for p, _ in rep.skipped] == ["bomb.pdf"]


def test_an_unexpected_loader_crash_is_reported_and_skipped(tmp_path, monkeypatch):
    d = tmp_path / "docs"
    d.mkdir()
    _good(d)
    (d / "odd.html").write_text("<p>" + TEXT + "</p>", encoding="utf-8")

    def crash(text):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(loaders, "_read_html", crash)
    rep = _engine(tmp_path).index([d])
    assert rep.documents == 1 and "RecursionError" in rep.skipped[0][1]


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", True), ("utf-16-be", True), ("utf-16-le", False), ("utf-16-be", False)])
def test_utf16_text_is_read(encoding, bom, tmp_path):
    body = "Mesures pour les PME\n\nLe ministère a annoncé des prêts à taux réduit. " * 3
    data = ({"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] if bom else b"") + body.encode(encoding)
    f = tmp_path / "u16.txt"
    f.write_bytes(data)
    doc = load_file(f, tmp_path)
    assert "taux réduit" in doc.text and doc.lang == "fr"


def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(_text_pdf())))
    w.encrypt(user_password="", owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    f = tmp_path / "locked.pdf"
    f.write_bytes(buf.getvalue())
    assert PdfReader(str(f)).is_encrypted
    assert "relief funds" in load_file(f, tmp_path).text


def test_a_fifo_named_as_a_path_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result: list[object] = []

    def go():
        try:
            result.append(load_file(fifo, tmp_path))
        except LoadError as exc:
            result.append(exc)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(5)
    if t.is_alive():  # unblock the reader so the test process can exit
        with open(fifo, "w"):
            pass
        pytest.fail("loading a FIFO blocked")
    assert isinstance(result[0], LoadError) and "not a regular file" in result[0].reason


def _rewrite_during_read(monkeypatch, path: Path, times: int) -> None:
    real = loaders._read_fd
    count = {"n": 0}

    def read(fd):
        data = real(fd)
        if count["n"] < times:
            count["n"] += 1
            path.write_text(f"Version {count['n']}\n\n" + "Rewritten while being read. " * (3 + count["n"]), encoding="utf-8")
        return data

    monkeypatch.setattr(loaders, "_read_fd", read)


def test_a_file_changed_once_while_read_is_read_again(tmp_path, monkeypatch):
    f = tmp_path / "moving.txt"
    f.write_text("Version 0\n\n" + TEXT, encoding="utf-8")
    _rewrite_during_read(monkeypatch, f, times=1)
    doc = load_file(f, tmp_path)
    assert doc.text == load_file(f, tmp_path).text and "Version 1" in doc.text


def test_a_file_that_keeps_changing_is_reported_not_indexed_torn(tmp_path, monkeypatch):
    f = tmp_path / "moving.txt"
    f.write_text("Version 0\n\n" + TEXT, encoding="utf-8")
    _rewrite_during_read(monkeypatch, f, times=100)
    with pytest.raises(LoadError, match="changed while"):
        load_file(f, tmp_path)


def test_symlinks_leaving_the_folder_are_not_followed_unless_asked(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret payroll\n\n" + TEXT, encoding="utf-8")
    (outside / "sub").mkdir()
    (outside / "sub" / "deep.txt").write_text("Deep secret\n\n" + TEXT, encoding="utf-8")
    d = tmp_path / "docs"
    d.mkdir()
    _good(d)
    (d / "inside.txt").symlink_to(d / "good.txt")
    (d / "leak.txt").symlink_to(outside / "secret.txt")
    (d / "leakdir").symlink_to(outside / "sub")
    rep = _engine(tmp_path).index([d])
    assert sorted(x.id for x in _engine(tmp_path).documents()) == ["good", "inside"]
    assert [Path(p).name for p, _ in rep.skipped] == ["leak.txt"] and "outside" in rep.skipped[0][1]
    rep = _engine(tmp_path, follow_symlinks=True).index([d])
    assert sorted(x.id for x in _engine(tmp_path).documents()) == ["good", "inside", "leak", "leakdir--deep"]
    assert [f.name for f, _ in iter_files([d], follow_symlinks=True)] == ["good.txt", "inside.txt", "leak.txt", "deep.txt"]
