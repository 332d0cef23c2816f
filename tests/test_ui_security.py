"""Attacks on the served app, made as raw HTTP/queue calls (issue 8: items 1-4).

A hashing embedder keeps these fast; what is under test is the web layer.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import httpx
import pytest

from rag.embed import HashingEmbedder
from rag.engine import Engine
from rag.settings import SAMPLE_CORPUS, Settings
from tests.browser_support import serve_directory
from tests.queue_support import dependency, file_data, queue_call, upload
from tests.ui_servers import running_app

ROOT = Path(__file__).resolve().parent.parent
EVIL = "http://evil.example"
SERVER_PATHS = (str(ROOT), "/tmp/", "/etc/")


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sec") / "index"
    Engine(Settings(index_dir=str(d)), embedder=HashingEmbedder(256)).index([SAMPLE_CORPUS])
    return d


@pytest.fixture()
def engine(base_index, tmp_path) -> Engine:
    d = tmp_path / "index"
    shutil.copytree(base_index, d)
    return Engine(Settings(index_dir=str(d), upload_dir=str(tmp_path / "uploads")), embedder=HashingEmbedder(256))


def _ids(engine: Engine) -> set[str]:
    return {d.id for d in engine.documents()}


def _same(url: str) -> dict[str, str]:
    """Headers of a same-origin browser request (a browser always sends Origin on POST)."""
    return {"Origin": url}


def _no_server_path(text: str) -> None:
    assert not any(p in text for p in SERVER_PATHS), text


def _gradio_cache() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


# -- 1. arbitrary file read through the upload handler -------------------------

def test_queue_call_naming_a_server_file_does_not_index_or_serve_it(engine):
    copies = set(_gradio_cache().rglob("README.md"))
    with running_app(engine) as srv:
        add = dependency(srv.url, elem_id="add-docs")
        res = queue_call(srv.url, add, [[file_data(ROOT / "README.md")], 0], headers=_same(srv.url))
        assert not res.ok
        assert "README" not in _ids(engine)
        assert httpx.get(f"{srv.url}/doc/README").status_code == 404
        assert set(_gradio_cache().rglob("README.md")) == copies  # not even copied into Gradio's cache
        # Without Gradio's FileData marker the path would reach the handler untouched.
        res = queue_call(srv.url, add, [[{"path": str(ROOT / "README.md")}], 0], headers=_same(srv.url))
        assert not res.ok and "README" not in _ids(engine)


def test_symlink_in_the_upload_cache_pointing_out_of_it_is_refused(engine):
    link_dir = _gradio_cache() / f"test-{uuid.uuid4().hex}"
    link_dir.mkdir(parents=True)
    link = link_dir / "notes.md"
    os.symlink(ROOT / "README.md", link)
    try:
        with running_app(engine) as srv:
            add = dependency(srv.url, elem_id="add-docs")
            res = queue_call(srv.url, add, [[file_data(link)], 0], headers=_same(srv.url))
            assert not res.ok
            assert "notes" not in _ids(engine)
    finally:
        shutil.rmtree(link_dir, ignore_errors=True)


def test_queue_call_naming_a_url_does_not_make_the_server_fetch_it(engine, tmp_path):
    secret = tmp_path / "intranet"
    secret.mkdir()
    (secret / "secret.txt").write_text("Internal only: the vault code is 4242 and nobody outside may read it.\n")
    with serve_directory(str(secret)) as inner, running_app(engine) as srv:
        add = dependency(srv.url, elem_id="add-docs")
        res = queue_call(srv.url, add, [[file_data(f"{inner.url}/secret.txt")], 0], headers=_same(srv.url))
        assert not res.ok
        assert "secret" not in _ids(engine)


def test_upload_named_like_an_indexed_document_is_refused_and_keeps_it(engine, tmp_path):
    victim = sorted(_ids(engine))[0]
    before = engine.document(victim).text
    fake = tmp_path / f"{victim}.txt"
    fake.write_text("Replaced: this text is not the original policy document at all, it is an impostor.\n")
    with running_app(engine) as srv:
        r = upload(srv.url, fake, headers=_same(srv.url))
        assert r.status_code == 200, r.text
        add = dependency(srv.url, elem_id="add-docs")
        res = queue_call(srv.url, add, [[file_data(r.json()[0], fake.name)], 0], headers=_same(srv.url))
        assert "Not added" in res.text and "already" in res.text, res.output  # one line, not an error badge
        _no_server_path(res.text)
        assert engine.document(victim).text == before


def test_uploaded_temporary_files_are_deleted_once_indexed(engine, tmp_path):
    f = tmp_path / "heat_pumps.txt"
    f.write_text("The Zorblat heat pump subsidy pays 3,000 euros to every household in Lower Fennick.\n")
    with running_app(engine) as srv:
        r = upload(srv.url, f, headers=_same(srv.url))
        cached = Path(r.json()[0])
        assert cached.is_file()
        add = dependency(srv.url, elem_id="add-docs")
        res = queue_call(srv.url, add, [[file_data(cached, f.name)], 0], headers=_same(srv.url))
        assert res.ok, res.output
        assert "heat_pumps" in _ids(engine)
        assert not cached.exists()
        _no_server_path(res.text)


# -- 2. cross-origin requests ---------------------------------------------------

@pytest.fixture(scope="module")
def default_server(base_index):
    eng = Engine(Settings(index_dir=str(base_index)), embedder=HashingEmbedder(256))
    with running_app(eng) as srv:
        yield srv


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1.evil.example", "https://127.0.0.1"])
def test_by_default_foreign_origins_get_no_cors_and_are_refused(default_server, origin):
    url = default_server.url
    pre = httpx.options(f"{url}/gradio_api/queue/join",
                        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                 "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers
    for r in (httpx.get(f"{url}/config", headers={"Origin": origin}),
              httpx.post(f"{url}/gradio_api/queue/join", json={}, headers={"Origin": origin})):
        assert r.status_code == 403, (origin, r.status_code)
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-credentials" not in r.headers


def test_by_default_the_app_may_only_be_framed_by_itself(default_server):
    csp = httpx.get(f"{default_server.url}/").headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "*" not in csp


def test_allowed_origin_gets_cors_but_null_never_does(base_index):
    eng = Engine(Settings(index_dir=str(base_index)), embedder=HashingEmbedder(256))
    with running_app(eng, allowed_origins="http://intranet.example") as srv:
        pre = httpx.options(f"{srv.url}/gradio_api/queue/join",
                            headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-origin"] == "http://intranet.example"
        ok = httpx.get(f"{srv.url}/config", headers={"Origin": "http://intranet.example"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://intranet.example"
        for origin in ("null", EVIL):
            r = httpx.get(f"{srv.url}/config", headers={"Origin": origin})
            assert r.status_code == 403 and "access-control-allow-origin" not in r.headers


def test_null_and_wildcard_cannot_be_put_on_the_allow_list(base_index):
    from rag.errors import ConfigError
    from ui.widget import parse_origins

    for spec in ("null", "*", "http://ok.example,null"):
        with pytest.raises(ConfigError):
            parse_origins(spec)


def test_upload_and_delete_need_a_same_origin_request(engine, tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("A note about the Zorblat subsidy that is long enough to index as a document.\n")
    victim = sorted(_ids(engine))[0]
    with running_app(engine) as srv:
        # No Origin and no Referer (a request forged outside a browser page's control): refused.
        assert upload(srv.url, f).status_code == 403
        r = upload(srv.url, f, headers={"Referer": f"{srv.url}/"})
        assert r.status_code == 200
        delete = dependency(srv.url, elem_id="delete-yes")
        res = queue_call(srv.url, delete, [[victim], 0])
        assert not res.ok and victim in _ids(engine)
        res = queue_call(srv.url, delete, [[victim], 0], headers={"Referer": f"{EVIL}/page"})
        assert not res.ok and victim in _ids(engine)
        res = queue_call(srv.url, delete, [[victim], 0], headers=_same(srv.url))
        assert res.ok and victim not in _ids(engine)


def test_questions_from_programs_need_no_origin(default_server):
    from gradio_client import Client

    out = Client(default_server.url, verbose=False).predict("What SME financing measures were announced?",
                                                             api_name="/ask")
    assert "answer" in out, out


# -- 3. the embedding example page and the script policy -------------------------

def test_embed_example_is_not_served_unless_enabled(default_server):
    assert httpx.get(f"{default_server.url}/embed-example.html").status_code == 404


def test_embed_example_only_loads_the_app_from_its_own_origin(base_index):
    eng = Engine(Settings(index_dir=str(base_index)), embedder=HashingEmbedder(256))
    with running_app(eng, embed_example=True) as srv:
        own = httpx.get(f"{srv.url}/embed-example.html")
        assert own.status_code == 200
        for bad in (EVIL, f"{srv.url}@evil.example", "//evil.example", "javascript:alert(1)"):
            r = httpx.get(f"{srv.url}/embed-example.html", params={"app": bad})
            assert r.status_code == 400, bad
        r = httpx.get(f"{srv.url}/embed-example.html?app={srv.url}&app={EVIL}")
        assert r.status_code == 400
        assert httpx.get(f"{srv.url}/embed-example.html", params={"app": srv.url}).status_code == 200
        assert "script-src" in own.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/", "/doc/000_aab47ab3012ba130", "/embed.js", "/config", "/nope"])
def test_every_response_has_a_script_src_policy(default_server, path):
    csp = httpx.get(f"{default_server.url}{path}").headers.get("content-security-policy", "")
    script_src = csp.split("script-src")[1].split(";")[0] if "script-src" in csp else ""
    assert "'self'" in script_src or "'none'" in script_src, (path, csp)
    assert not any(s in script_src for s in ("http", "*", "'unsafe-inline'", "'unsafe-eval'")), (path, csp)


def test_document_pages_allow_no_script_at_all(default_server):
    csp = httpx.get(f"{default_server.url}/doc/000_aab47ab3012ba130").headers["content-security-policy"]
    assert "script-src 'none'" in csp


# -- 4. input limits ------------------------------------------------------------

def test_long_question_is_refused_with_one_line_through_the_api(base_index):
    eng = Engine(Settings(index_dir=str(base_index), max_question_chars=100), embedder=HashingEmbedder(256))
    with running_app(eng) as srv:
        from gradio_client import Client

        out = Client(srv.url, verbose=False).predict("why " * 200, api_name="/ask")
        assert "too long" in out["error"] and "100" in out["error"] and "\n" not in out["error"]
        take = dependency(srv.url, api_name="take_question")
        res = queue_call(srv.url, take, ["why " * 200, []], headers=_same(srv.url))
        assert res.ok and "too long" in res.text  # a hint under the box, nothing sent, no error badge


def test_upload_larger_than_the_limit_is_refused(base_index, tmp_path):
    eng = Engine(Settings(index_dir=str(base_index), max_upload_mb=0.01), embedder=HashingEmbedder(256))
    big = tmp_path / "big.txt"
    big.write_text("word " * 10_000)
    with running_app(eng) as srv:
        r = upload(srv.url, big, headers=_same(srv.url))
        assert r.status_code == 413, (r.status_code, r.text)


def test_engine_refuses_questions_over_the_limit_in_search_and_ask(base_index):
    from rag.errors import InputError

    eng = Engine(Settings(index_dir=str(base_index), max_question_chars=50), embedder=HashingEmbedder(256))
    for call in (eng.search, eng.ask, lambda q: list(eng.ask_stream(q))):
        with pytest.raises(InputError, match="too long"):
            call("x" * 51)


# -- what already held and must keep holding ----------------------------------------

@pytest.mark.parametrize("origin", ["http://intranet.example.evil.example", "http://evil.example/http://intranet.example",
                                    "https://intranet.example", "http://intranet.example:8080", "null"])
def test_allow_list_matches_exact_origins_only(base_index, origin):
    eng = Engine(Settings(index_dir=str(base_index)), embedder=HashingEmbedder(256))
    with running_app(eng, allowed_origins="http://intranet.example") as srv:
        r = httpx.get(f"{srv.url}/config", headers={"Origin": origin})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers


def test_document_viewer_refuses_path_traversal(default_server):
    for doc_id in ("..%2F..%2Fetc%2Fpasswd", "..%2FREADME", "%2Fetc%2Fpasswd"):
        r = httpx.get(f"{default_server.url}/doc/{doc_id}")
        assert r.status_code == 404 and "root:" not in r.text
        _no_server_path(r.text)


def test_read_only_refuses_raw_add_and_delete_calls(engine, tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("A note about the Zorblat subsidy that is long enough to index as a document.\n")
    victim = sorted(_ids(engine))[0]
    with running_app(engine, read_only=True) as srv:
        cached = upload(srv.url, f, headers=_same(srv.url)).json()[0]
        res = queue_call(srv.url, dependency(srv.url, elem_id="add-docs"), [[file_data(cached, f.name)], 0],
                         headers=_same(srv.url))
        assert not res.ok and "read-only" in res.error and "note" not in _ids(engine)
        res = queue_call(srv.url, dependency(srv.url, elem_id="delete-yes"), [[victim], 0], headers=_same(srv.url))
        assert not res.ok and victim in _ids(engine)


def test_auth_covers_the_api_and_the_document_viewer(base_index):
    eng = Engine(Settings(index_dir=str(base_index)), embedder=HashingEmbedder(256))
    with running_app(eng, auth="alice:secret") as srv:
        assert httpx.get(f"{srv.url}/doc/000_aab47ab3012ba130").status_code == 401
        r = httpx.post(f"{srv.url}/gradio_api/queue/join", json={"data": ["q"], "fn_index": 0, "session_hash": "x"})
        assert r.status_code in (401, 403)
        with pytest.raises(Exception):
            from gradio_client import Client

            Client(srv.url, verbose=False).predict("What SME financing measures were announced?", api_name="/ask")
