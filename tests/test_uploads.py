"""Uploads survive a server killed between storing and indexing (no Gradio needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.settings import Settings
from ui.uploads import add_uploads, recover_uploads


def _engine(tmp_path: Path) -> Engine:
    return Engine(Settings(index_dir=str(tmp_path / "idx"), model="hashing-64"), embedder=HashingEmbedder(64))


def _temp_upload(tmp_path: Path, name: str, text: str) -> str:
    d = tmp_path / "gradio-tmp"
    d.mkdir(exist_ok=True)
    f = d / name
    f.write_text(f"{name}\n\n{text} " * 4, encoding="utf-8")
    return str(f)


@pytest.fixture()
def indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.txt").write_text("Base document\n\nBanks extend loans to small firms. " * 4, encoding="utf-8")
    _engine(tmp_path).index([corpus])
    return tmp_path


def test_upload_indexed_normally_leaves_no_staging_files(indexed):
    target = indexed / "uploads"
    report = add_uploads(_engine(indexed), [_temp_upload(indexed, "water.txt", "Water tariffs")], target, indexed / "gradio-tmp")
    assert report.added == ("water",)
    assert sorted(p.name for p in target.iterdir()) == ["water.txt"]


def test_server_killed_between_storing_and_indexing_leaves_no_orphan(indexed, monkeypatch):
    target = indexed / "uploads"
    eng = _engine(indexed)

    def killed(*a, **k):
        raise KeyboardInterrupt("server killed mid-upload")

    monkeypatch.setattr(eng, "add", killed)
    with pytest.raises(KeyboardInterrupt):
        add_uploads(eng, [_temp_upload(indexed, "water.txt", "Water tariffs")], target, indexed / "gradio-tmp")
    # A copy interrupted half-way leaves a staging file behind as well.
    (target / ".incoming").mkdir(exist_ok=True)
    (target / ".incoming" / "half.txt").write_text("half a fi", encoding="utf-8")
    restarted = _engine(indexed)
    messages = recover_uploads(restarted, target, indexed / "gradio-tmp")
    assert {d.id for d in restarted.documents()} == {"base", "water"}
    assert any("water.txt" in m for m in messages) and any("half.txt" in m for m in messages)
    assert sorted(p.name for p in target.iterdir()) == ["water.txt"]
    assert recover_uploads(_engine(indexed), target) == []  # nothing left to recover


def test_upload_that_cannot_be_indexed_is_not_kept(indexed):
    target = indexed / "uploads"
    bad = Path(_temp_upload(indexed, "bad.pdf", "x"))
    bad.write_bytes(b"not a pdf")
    good = _temp_upload(indexed, "good.txt", "Rail freight")
    report = add_uploads(_engine(indexed), [str(bad), good], target, indexed / "gradio-tmp")
    assert report.added == ("good",) and report.skipped
    assert sorted(p.name for p in target.iterdir()) == ["good.txt"]


def test_read_only_server_reports_unindexed_uploads_without_indexing(indexed):
    target = indexed / "uploads"
    target.mkdir()
    (target / "late.txt").write_text("Late upload\n\nPort dredging plans. " * 4, encoding="utf-8")
    eng = _engine(indexed)
    messages = recover_uploads(eng, target, index=False)
    assert messages and "late.txt" in messages[0]
    assert {d.id for d in eng.documents()} == {"base"}
