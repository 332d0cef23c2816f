"""Index data safety: damaged files, concurrent writers, rebuilds, full disks (tiny corpora, hashing model)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

from rag import segment, store
from rag.cli import main
from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.errors import IndexCorruptError, IndexMismatchError, IndexWriteError, RagError
from rag.manifest import ANN_FILE, SEGMENT_FILES
from rag.settings import Settings

MODEL = "hashing-64"


def _corpus(root: Path) -> Path:
    d = root / "docs"
    d.mkdir()
    (d / "loans.txt").write_text("SME loans\n\nBanks will extend loans to small firms. " * 5, encoding="utf-8")
    (d / "energy.txt").write_text("Energy policy\n\nThe plan reduces carbon emissions in factories. " * 5, encoding="utf-8")
    (d / "roads.md").write_text("# Roads\n\nNew roads connect rural towns to markets. " * 5, encoding="utf-8")
    return d


def _engine(index_dir: Path, ann_threshold: int | None = None) -> Engine:
    eng = Engine(Settings(index_dir=str(index_dir), model=MODEL), embedder=HashingEmbedder(64))
    if ann_threshold is not None:
        eng.store.ann_threshold = ann_threshold
    return eng


def _extra(root: Path, name: str, text: str) -> Path:
    f = root / name
    f.write_text(f"{name}\n\n{text} " * 4, encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("built")
    corpus = _corpus(root)
    # An ANN index from the first chunk on, so that the damage table covers ann.faiss too.
    _engine(root / "index", ann_threshold=1).index([corpus])
    return root / "index", corpus


@pytest.fixture()
def index_copy(built, tmp_path) -> Path:
    d = tmp_path / "index"
    shutil.copytree(built[0], d)
    return d


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(index_dir)): p.read_bytes() for p in sorted(index_dir.rglob("*")) if p.is_file()}


# -- item 10: every single-file corruption is one typed error naming the file and the fix --------

def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: max(1, p.stat().st_size // 2)])


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _delete(p: Path) -> None:
    p.unlink()


def _random(p: Path) -> None:
    p.write_bytes(os.urandom(max(16, p.stat().st_size)))


def _non_utf8(p: Path) -> None:
    p.write_bytes(b"\xff\xfe\xfa\xc3(" + p.read_bytes()[5:])


def _drop_line(p: Path) -> None:
    lines = p.read_bytes().splitlines(keepends=True)
    del lines[len(lines) // 2]  # a one-line file (CURRENT) becomes empty
    p.write_bytes(b"".join(lines))


CORRUPTIONS = {"truncate": _truncate, "empty": _empty, "delete": _delete, "random": _random,
               "non_utf8": _non_utf8, "drop_line": _drop_line}


# Every file a generation holds: CURRENT, the manifest, and each file of its segment.
TARGETS = ["CURRENT", "manifest.json", *SEGMENT_FILES, ANN_FILE]


def _segment_file(index_dir: Path, name: str) -> Path:
    gen = store.current_generation(index_dir)
    [seg] = [p for p in gen.iterdir() if p.is_dir()]
    return seg / name


def _expand(index_dir: Path, target: str) -> list[tuple[str, Path]]:
    if target == "CURRENT":
        return [("CURRENT", index_dir / "CURRENT")]
    gen = store.current_generation(index_dir)
    if target == "manifest.json":
        return [(target, gen / target)]
    p = _segment_file(index_dir, target)
    return [(str(p.relative_to(gen)), p)]


def test_damage_table_covers_every_file_of_a_generation(built):
    gen = store.current_generation(built[0])
    held = {str(p.relative_to(gen)) for p in gen.rglob("*") if p.is_file()}
    covered = {name for t in TARGETS for name, _ in _expand(built[0], t)}
    assert held | {"CURRENT"} == covered


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
@pytest.mark.parametrize("target", TARGETS)
def test_damaged_index_file_is_one_typed_error_naming_file_and_fix(target, how, index_copy, capsys, tmp_path):
    for name, path in _expand(index_copy, target):
        d = tmp_path / f"case-{name.replace('/', '_')}"
        shutil.copytree(index_copy, d)
        victim = d / path.relative_to(index_copy)
        before = victim.read_bytes()
        CORRUPTIONS[how](victim)
        if victim.exists() and victim.read_bytes() == before:  # pragma: no cover - corruption must change the file
            pytest.fail(f"{how} did not change {name}")
        snapshot = _snapshot(d)
        with pytest.raises(IndexCorruptError) as exc:
            _engine(d).search("loans")
        msg = str(exc.value)
        assert name in msg and "rag index --rebuild" in msg and "\n" not in msg
        extra = _extra(tmp_path, "extra.txt", "Fisheries quotas")
        for argv in (["search", "loans"], ["index", "--add", str(extra)], ["docs"]):
            assert main([*argv, "--index-dir", str(d), "--model", MODEL]) == 2, (name, how, argv)
            err = capsys.readouterr().err.strip()
            assert "Traceback" not in err and "\n" not in err, err
            assert name in err and "rag index --rebuild" in err, err
        assert _snapshot(d) == snapshot  # nothing was changed by the failed commands


def test_deleted_postings_are_reported_not_silently_dense_only(index_copy):
    _segment_file(index_copy, "postings.npy").unlink()
    with pytest.raises(IndexCorruptError, match="postings.npy"):
        _engine(index_copy).search("loans")


def test_index_of_the_previous_format_asks_for_a_rebuild(index_copy):
    gen = store.current_generation(index_copy)
    m = json.loads((gen / "manifest.json").read_text())
    m["format_version"] = 1
    (gen / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexMismatchError, match=r"format 1.*rag index --rebuild"):
        _engine(index_copy).search("loans")


def test_manifest_type_round_trips_and_decides_reuse(index_copy):
    from rag.manifest import Manifest

    gen = store.current_generation(index_copy)
    m = Manifest.read(gen)
    assert m.model == MODEL and m.chunks > 0 and m.documents == 3
    assert {f.split("/", 1)[1] for f in m.files} == {*SEGMENT_FILES, ANN_FILE}
    s = Settings(model=MODEL)
    assert m.reusable_for(s)
    assert not m.reusable_for(s.replace(chunk_size=400))
    assert not m.reusable_for(s.replace(model="hashing-32"))


# -- item 8: --add on a damaged index changes nothing ------------------------------------------

def test_add_to_a_damaged_index_fails_and_changes_nothing(index_copy, tmp_path):
    _drop_line(_segment_file(index_copy, "documents.jsonl"))
    snapshot = _snapshot(index_copy)
    with pytest.raises(IndexCorruptError, match="documents.jsonl"):
        _engine(index_copy).add([_extra(tmp_path, "new.txt", "Fisheries quotas")])
    with pytest.raises(IndexCorruptError):
        _engine(index_copy).remove(["loans"])
    assert _snapshot(index_copy) == snapshot


# -- item 9: --rebuild never reads the old index ------------------------------------------------

def _json_list(p: Path) -> None:
    p.write_text("[]")


@pytest.mark.parametrize("name", ["ann.faiss", "vectors.npy", "manifest.json", "chunks.npy", "postings.npy"])
@pytest.mark.parametrize("how", [_random, _truncate, _empty, _json_list])
def test_rebuild_repairs_a_damaged_index_without_reading_it(name, how, index_copy, built, capsys):
    gen = store.current_generation(index_copy)
    how(gen / name if name == "manifest.json" else _segment_file(index_copy, name))
    assert main(["index", str(built[1]), "--rebuild", "--index-dir", str(index_copy), "--model", MODEL]) == 0
    capsys.readouterr()
    assert _engine(index_copy).search("banks extend loans")[0].chunk.doc_id == "loans"


# -- item 7: writers in two processes (two Engines) never lose each other's documents ----------

def test_two_engines_interleaving_writes_lose_nothing_and_readers_see_new_generations(tmp_path):
    corpus = _corpus(tmp_path)
    index_dir = tmp_path / "index"
    server, cli = _engine(index_dir), _engine(index_dir)
    server.index([corpus])
    assert len(server.documents()) == 3  # the server has loaded the index in memory
    cli.add([_extra(tmp_path, "cli1.txt", "Fisheries quotas"), _extra(tmp_path, "cli2.txt", "Rail freight")])
    server.add([_extra(tmp_path, "upload.txt", "Water tariffs")])
    assert {d.id for d in cli.documents()} == {"loans", "energy", "roads", "cli1", "cli2", "upload"}
    cli.add([_extra(tmp_path, "cli3.txt", "Port dredging")])
    server.remove(["energy"])
    ids = {d.id for d in _engine(index_dir).documents()}
    assert ids == {"loans", "roads", "cli1", "cli2", "cli3", "upload"}
    assert {d.id for d in server.documents()} == ids == {d.id for d in cli.documents()}
    assert server.search("port dredging", mode="bm25")[0].chunk.doc_id == "cli3"


# -- item 12: a full disk or read-only index directory is one line -----------------------------

@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_write_failure_is_one_typed_error_and_keeps_the_previous_index(err, index_copy, tmp_path, monkeypatch, capsys):
    snapshot = _snapshot(index_copy)

    def boom(*a, **k):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(segment, "_write_jsonl", boom)
    extra = _extra(tmp_path, "new.txt", "Fisheries quotas")
    with pytest.raises(IndexWriteError, match=os.strerror(err)):
        _engine(index_copy).add([extra])
    assert main(["index", "--add", str(extra), "--index-dir", str(index_copy), "--model", MODEL]) == 2
    line = capsys.readouterr().err.strip()
    assert os.strerror(err) in line and "\n" not in line and "Traceback" not in line
    monkeypatch.undo()
    assert {k: v for k, v in _snapshot(index_copy).items() if k != ".lock"} == {
        k: v for k, v in snapshot.items() if k != ".lock"}
    assert len(_engine(index_copy).documents()) == 3


def test_index_dir_under_a_regular_file_is_one_line(tmp_path, capsys):
    corpus = _corpus(tmp_path)
    (tmp_path / "plain").write_text("x")
    bad = tmp_path / "plain" / "index"
    with pytest.raises(RagError):
        _engine(bad).index([corpus])
    assert main(["index", str(corpus), "--index-dir", str(bad), "--model", MODEL]) == 2
    line = capsys.readouterr().err.strip()
    assert str(bad) in line and "\n" not in line and "Traceback" not in line


# -- invariants that must keep holding: kill -9 mid-build, concurrent writers in processes --------

def _python(code: str, *args: str):
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


_SLOW_SAVE = """
import sys, time, pathlib
from rag import manifest
from rag.engine import Engine
from rag.settings import Settings
real = manifest.Manifest.write
def stalled(self, gen):
    out = real(self, gen)
    pathlib.Path(sys.argv[3]).write_text("writing")
    time.sleep(120)
    return out
manifest.Manifest.write = stalled
Engine(Settings(index_dir=sys.argv[1], model="hashing-64")).add([sys.argv[2]])
"""


def test_kill_9_mid_build_leaves_the_previous_index_usable(index_copy, tmp_path):
    import signal
    import time

    flag = tmp_path / "flag"
    proc = _python(_SLOW_SAVE, str(index_copy), str(_extra(tmp_path, "new.txt", "Fisheries quotas")), str(flag))
    deadline = time.time() + 60
    while not flag.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert flag.exists(), proc.communicate()[1].decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert {d.id for d in _engine(index_copy).documents()} == {"loans", "energy", "roads"}
    assert _engine(index_copy).add([_extra(tmp_path, "later.txt", "Rail freight")]).documents == 4
    assert not [p for p in index_copy.iterdir() if p.name.startswith(".tmp")]


def test_concurrent_cli_adds_in_two_processes_lose_nothing(index_copy, tmp_path):
    code = "import sys; from rag.cli import main; sys.exit(main(sys.argv[1:]))"
    procs = [_python(code, "index", "--add", str(_extra(tmp_path, f"p{i}.txt", f"Topic {i} of process")),
                     "--index-dir", str(index_copy), "--model", MODEL, "--quiet") for i in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()[-2000:]
    assert {d.id for d in _engine(index_copy).documents()} == {"loans", "energy", "roads", "p0", "p1", "p2"}
