"""The PostgreSQL + pgvector store: one database shared by every `rag serve` replica and `rag index` job.

* documents, chunks and answerable sentences are rows; vectors are pgvector
  ``vector`` columns, searched through an HNSW index (inner product on
  normalised vectors = cosine) built for the index's dimension;
* the lexical side is PostgreSQL full-text search: each chunk's ``tsvector``
  uses the text-search configuration of its language (``english``, ``french``…);
  matches are ranked by Lucene's BM25 computed in SQL from ``rag_postings``, an
  inverted index written with the chunks: one row per (lexeme, chunk) with the
  term frequency (the lexeme's positions) and the chunk's length (distinct
  lexemes) in the index itself, so a query reads its terms' postings, never a
  chunk's tsvector (the document frequency is the number of postings). Plain
  ``ts_rank_cd`` has no idf: on SciFact it scored 0.451 nDCG@10 against bm25s's
  0.682; this BM25 scores 0.684;
* filters (documents, languages, date range) are SQL ``WHERE`` clauses;
* every write is one transaction that first locks the ``rag_meta`` row and
  ends by bumping its ``generation``: writers queue behind one another and each
  sees what the previous one committed (no lost update); readers see committed
  state only;
* a reader whose connection the server dropped (a restart, a fail-over,
  ``pg_terminate_backend``) reconnects and runs the read once more; while the
  database cannot be reached every call fails within :data:`CONNECT_TIMEOUT`
  seconds with a one-line :class:`~rag.errors.StoreError`, never a hang; TCP keepalives
  notice a server that vanished mid-query (see :data:`KEEPALIVES`).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

import numpy as np

from rag.errors import IndexMismatchError, IndexMissingError, StoreError
from rag.analysis import STEMMER_NAMES
from rag.sentences import Sentence
from rag.types import Chunk, Document, Filters

from .base import BuildInfo, Counts, DocumentRecord
from .pg_schema import migrate

log = logging.getLogger("rag.store")

MAX_EF_SEARCH = 1000  # pgvector's limit
HNSW_BUILD_MAX_MB = 4096  # the most maintenance_work_mem a graph build asks for (1M x 384 needs ~2.4 GB)
CONNECT_TIMEOUT = 5  # seconds, unless the URL sets connect_timeout: a server that does not answer is an error, not a hang
# TCP keepalives (libpq's defaults leave them to the OS: two hours), unless the URL sets them: a
# server that vanishes mid-query without closing the connection (a partition, a dead host) is
# noticed after about a minute instead of hanging the question that waits on it.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
# A question's reads give up after this long (unless the URL's options set statement_timeout):
# a table locked by maintenance (VACUUM FULL, a migration, an ALTER) or an overloaded server
# gives the chat a one-line error instead of a request that never returns. Writes are not limited.
READ_TIMEOUT_MS = 30_000
VACUUM_AFTER = 5000  # chunks written in one commit after which the postings are vacuumed at once
_CHUNK_COLS = "key, id, doc_id, text, start_at, end_at, title, source, lang, date"
_META_COLS = ("generation, model, dimension, chunk_size, chunk_overlap, sentences_indexed, cleaning_version, "
              "sources, languages, documents, chunks, sentences, lexemes")
# The documents' languages, one index probe per language (a loose scan of rag_documents_lang)
# instead of a DISTINCT over every document at each commit.
_LANGUAGES = """
WITH RECURSIVE l(lang) AS (
    SELECT min(lang) FROM rag_documents
    UNION ALL SELECT (SELECT min(lang) FROM rag_documents WHERE lang > l.lang) FROM l WHERE l.lang IS NOT NULL)
SELECT coalesce(array_agg(lang ORDER BY lang), '{}') FROM l WHERE lang IS NOT NULL"""
K1, B = 1.2, 0.75  # as rag/lexical.py (bm25s, method "lucene")
# BM25 of the chunks holding any query term, from the postings alone (tf and dl sit in the index
# beside each key, so no tsvector is read); {join} adds rag_chunks when {cond} filters on its columns.
# The per-term LATERAL keeps the planner on the postings index even before the table has statistics
# (a plain join, before the first ANALYZE, scanned all 0.94M postings of 10k chunks: 125 ms, not 13).
_BM25 = """
SELECT m.key, sum(t.idf * (m.tf * (%(k1)s + 1)) / (m.tf + %(k1)s * (1 - %(b)s + %(b)s * m.dl / %(avg)s))) AS s
FROM unnest(%(lex)s::text[], %(idf)s::float8[]) AS t(lex, idf),
LATERAL (SELECT p.key, p.tf, p.dl FROM rag_postings p {join} WHERE p.lexeme = t.lex {cond} OFFSET 0) m
GROUP BY m.key ORDER BY s DESC, m.key {limit}
"""


def hnsw_build_mb(rows: int, dim: int) -> int:
    """maintenance_work_mem for building the HNSW graph of ``rows`` vectors in memory.

    pgvector keeps each element's vector and its neighbour lists (m 16: up to 32 on layer 0)
    while building; about ``4 * dim + 512`` bytes per row, with a quarter more for slack, between
    512 MB and HNSW_BUILD_MAX_MB. PostgreSQL only takes what the build uses.
    """
    need = rows * (4 * dim + 512) * 1.25 / 2**20
    return int(min(HNSW_BUILD_MAX_MB, max(512, need)))


def ts_config(lang: str) -> str:
    """The PostgreSQL text-search configuration for a language code (``simple`` when it has none)."""
    return STEMMER_NAMES.get(lang, "simple")


def _where(filters: Filters | None, col: str = "") -> tuple[str, dict[str, Any]]:
    """`` AND …`` SQL for the filters (columns prefixed with ``col``) and its named parameters."""
    if filters is None or filters.empty():
        return "", {}
    sql, params = [], {}
    if filters.doc_ids:
        sql.append(f"{col}doc_id = ANY(%(f_docs)s)")
        params["f_docs"] = list(filters.doc_ids)
    if filters.langs:
        sql.append(f"{col}lang = ANY(%(f_langs)s)")
        params["f_langs"] = list(filters.langs)
    if filters.date_from or filters.date_to:
        # As Filters.accepts: only full dates can be placed in a range.
        sql.append(f"{col}date IS NOT NULL AND length({col}date) >= 10 AND left({col}date, 1) <> '-'")
        if filters.date_from:
            sql.append(f"{col}date >= %(f_from)s")
            params["f_from"] = filters.date_from
        if filters.date_to:
            sql.append(f"{col}date <= %(f_to)s")
            params["f_to"] = filters.date_to
    return " AND " + " AND ".join(sql), params


# A sentence row as ``_keep`` reads it.
_SENTENCE_COLS = "key, doc_id, start_at, end_at, item, number, text, embedding, latent_ids, latent_weights"


def _array(v) -> np.ndarray:
    """A vector column as float32 (pgvector's loader returns a Vector object)."""
    return np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


F = TypeVar("F", bound=Callable[..., Any])


def _read(method: F) -> F:
    """A read on the view's connection. If the server dropped that connection (restart, fail-over,
    terminated backend), the read runs once more on a new one; any database error that remains
    becomes a one-line StoreError, so the chat shows a sentence rather than a traceback."""

    @functools.wraps(method)
    def run(self: "PostgresView", *args, **kw):
        import psycopg

        try:
            try:
                return method(self, *args, **kw)
            except psycopg.OperationalError:
                if not (self._retry and self.conn.broken):
                    raise  # a statement time-out, or a writer's transaction: running it again would not help
                self.conn = self._store._replace_reader(self.conn)
                return method(self, *args, **kw)
        except psycopg.Error as exc:
            raise StoreError(f"the database at {self.location} failed: {_first_line(exc)}") from exc

    return run  # type: ignore[return-value]


def _chunk(row) -> Chunk:
    return Chunk(id=row[1], doc_id=row[2], text=row[3], start=row[4], end=row[5], title=row[6], source=row[7],
                 lang=row[8], date=row[9])


def _document(row) -> Document:
    return Document(id=row[0], source=row[1], title=row[2], text=row[3], lang=row[4], date=row[5],
                    content_hash=row[6], meta=row[7] or {})


class PostgresView:
    """Reads through one connection; built from one read of ``rag_meta`` (generation, counts, build)."""

    def __init__(self, store: "PostgresStore", conn, meta: tuple, retry: bool = True) -> None:
        self._store, self.conn, self._meta, self.location = store, conn, meta, store.location
        self._retry = retry  # on a new connection when the server dropped this one (readers only)
        self._sentences: dict[int, tuple[Sentence, np.ndarray, tuple[list[int], list[float]] | None]] = {}
        self._terms: dict[str, tuple[list[str], list[float]]] = {}

    # -- what is stored --------------------------------------------------------
    def generation(self) -> int:
        return int(self._meta[0])

    def counts(self) -> Counts:
        return Counts(*map(int, self._meta[9:12]))

    def build_info(self) -> BuildInfo:
        m = self._meta
        return BuildInfo(m[1], int(m[2]), int(m[3]), int(m[4]), bool(m[5]), tuple(m[7] or ()),
                         tuple(m[8] or ()))

    def reusable_for(self, settings, model: str | None = None) -> bool:
        from rag.cleaning import CLEANING_VERSION

        m = self._meta
        return (m[1] == (model or settings.model) and m[3] == settings.chunk_size and m[4] == settings.chunk_overlap
                and bool(m[5]) == settings.index_sentences and m[6] == CLEANING_VERSION)

    @property
    def dimension(self) -> int:
        return int(self._meta[2])

    # -- search ----------------------------------------------------------------
    @_read
    def dense(self, qvec: np.ndarray, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        if n <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        where, params = _where(filters)
        d = self.dimension
        q = np.asarray(qvec, np.float32)
        with self.conn.transaction():
            self.conn.execute(f"SET LOCAL hnsw.ef_search = {min(MAX_EF_SEARCH, max(100, 2 * n))}")
            if where:  # keep scanning the graph until n rows pass the filter
                self.conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            elif n <= MAX_EF_SEARCH:
                # From about 200 rows the planner costs a sequential scan below the graph, but the
                # vectors sit in TOAST: on SciFact (9,639 chunks) 96 ms against 7 ms for 300 rows,
                # the graph's recall@300 1.000 at this ef_search. A filter keeps the planner's choice.
                self.conn.execute("SET LOCAL enable_seqscan = off")
            rows = self.conn.execute(
                f"SELECT key, -((embedding::vector({d})) <#> %(q)s::vector({d})) FROM rag_chunks WHERE true{where} "
                f"ORDER BY (embedding::vector({d})) <#> %(q)s::vector({d}) LIMIT %(n)s", {"q": q, "n": n, **params}).fetchall()
        return self._ranked(rows)

    @staticmethod
    def _ranked(rows) -> tuple[np.ndarray, np.ndarray]:
        rows = sorted(rows, key=lambda r: (-r[1], r[0]))  # relaxed_order may return rows a little out of order
        keys = np.array([r[0] for r in rows], dtype=np.int64)
        return keys, np.array([r[1] for r in rows], dtype=np.float32)

    def _query(self, query: str) -> tuple[list[str], list[float]]:
        """The query's lexemes under every language in the index (as the embedded BM25 tokenises
        a query) that occur in some chunk, with their idf."""
        if query not in self._terms:
            configs = sorted({ts_config(x) for x in self._meta[8] or ("en",)})
            rows = self.conn.execute(
                "SELECT lex, coalesce((SELECT df FROM rag_lexicon l WHERE l.lexeme = lex), 0) "
                "FROM (SELECT DISTINCT unnest(tsvector_to_array(to_tsvector(c::regconfig, %s))) AS lex "
                "FROM unnest(%s::text[]) AS c) q ORDER BY lex", (query, configs)).fetchall()
            n = self.counts().chunks
            kept = [(lex, float(np.log(1 + (n - df + 0.5) / (df + 0.5)))) for lex, df in rows if df]
            self._terms[query] = ([x[0] for x in kept], [x[1] for x in kept])
        return self._terms[query]

    def _bm25(self, query: str, cond: str, limit: str, params: dict[str, Any], join: bool = False) -> list:
        lex, idf = self._query(query)
        if not lex:
            return []
        avg = max(1.0, float(self._meta[12]) / max(1, self.counts().chunks))
        sql = _BM25.format(join="JOIN rag_chunks c ON c.key = p.key" if join else "", cond=cond, limit=limit)
        return self.conn.execute(sql,
                                 {"lex": lex, "idf": idf, "k1": K1, "b": B, "avg": avg, **params}).fetchall()

    @_read
    def lexical(self, query: str, n: int, filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        if n <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        where, params = _where(filters, "c.")
        rows = self._bm25(query, where, "LIMIT %(n)s", {"n": n, **params}, join=bool(where))
        return self._ranked([r for r in rows if r[1] > 0])

    @_read
    def dense_scores(self, qvec: np.ndarray, keys: np.ndarray) -> np.ndarray:
        rows = dict(self.conn.execute("SELECT key, -(embedding <#> %s) FROM rag_chunks WHERE key = ANY(%s)",
                                      (np.asarray(qvec, np.float32), [int(k) for k in keys])).fetchall())
        return np.array([rows.get(int(k), 0.0) for k in keys], dtype=np.float32)

    @_read
    def lexical_scores(self, query: str, keys: np.ndarray) -> np.ndarray:
        rows = dict(self._bm25(query, "AND p.key = ANY(%(keys)s)", "", {"keys": [int(k) for k in keys]}))
        return np.array([rows.get(int(k), 0.0) for k in keys], dtype=np.float32)

    @_read
    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        if not terms:
            return {}
        rows = self.conn.execute("SELECT lexeme, df FROM rag_lexicon WHERE lexeme = ANY(%s) AND df > 0",
                                 (list(terms),)).fetchall()
        return {lex: int(df) for lex, df in rows}

    # -- fetch -----------------------------------------------------------------
    @_read
    def chunks(self, keys: Sequence[int]) -> list[Chunk | None]:
        """Chunks by key, in the order asked; None for a key that a writer has removed since."""
        rows = self.conn.execute(f"SELECT {_CHUNK_COLS} FROM rag_chunks WHERE key = ANY(%s)",
                                 ([int(k) for k in keys],)).fetchall()
        found = {r[0]: _chunk(r) for r in rows}
        return [found.get(int(k)) for k in keys]

    @_read
    def chunks_of(self, doc_id: str) -> list[Chunk]:
        rows = self.conn.execute(f"SELECT {_CHUNK_COLS} FROM rag_chunks WHERE doc_id = %s ORDER BY start_at, key",
                                 (doc_id,)).fetchall()
        return [_chunk(r) for r in rows]

    @_read
    def document(self, doc_id: str) -> Document | None:
        row = self.conn.execute("SELECT id, source, title, text, lang, date, content_hash, meta "
                                "FROM rag_documents WHERE id = %s", (doc_id,)).fetchone()
        return None if row is None else _document(row)

    @_read
    def documents(self) -> list[Document]:
        rows = self.conn.execute("SELECT id, source, title, text, lang, date, content_hash, meta "
                                 "FROM rag_documents ORDER BY id").fetchall()
        return [_document(r) for r in rows]

    @_read
    def document_hashes(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT id, content_hash FROM rag_documents").fetchall())

    def _keep(self, rows) -> list[int]:
        """Remember fetched sentences (with their vectors) so later lookups in this view agree."""
        for key, doc_id, start, end, item, number, text, emb, lat_ids, lat_weights in rows:
            latent = None if lat_ids is None or lat_weights is None else (lat_ids, lat_weights)
            self._sentences[key] = (Sentence(text, start, end, item, number, doc_id), _array(emb), latent)
        return [r[0] for r in rows]

    @_read
    def sentences_in_chunks(self, chunks: Sequence[Chunk]) -> list[list[int]]:
        if not chunks:
            return []
        rows = self.conn.execute(
            "SELECT c.i, s.key, s.doc_id, s.start_at, s.end_at, s.item, s.number, s.text, s.embedding, "
            "s.latent_ids, s.latent_weights "
            "FROM unnest(%s::int[], %s::text[], %s::int[], %s::int[]) AS c(i, doc_id, lo, hi) "
            "JOIN rag_sentences s ON s.doc_id = c.doc_id AND (s.start_at + s.end_at) / 2 >= c.lo "
            "AND (s.start_at + s.end_at) / 2 < c.hi ORDER BY c.i, s.start_at, s.key",
            (list(range(len(chunks))), [c.doc_id for c in chunks], [c.start for c in chunks],
             [c.end for c in chunks])).fetchall()
        out: list[list[int]] = [[] for _ in chunks]
        for r in rows:
            out[r[0]].extend(self._keep([r[1:]]))
        return out

    @_read
    def sentences_of(self, doc_id: str) -> list[int]:
        rows = self.conn.execute(f"SELECT {_SENTENCE_COLS} FROM rag_sentences WHERE doc_id = %s ORDER BY start_at, key",
                                 (doc_id,)).fetchall()
        return self._keep(rows)

    def _fetch(self, keys: Sequence[int]) -> None:
        missing = [int(k) for k in keys if int(k) not in self._sentences]
        if missing:
            self._keep(self.conn.execute(f"SELECT {_SENTENCE_COLS} FROM rag_sentences WHERE key = ANY(%s)",
                                         (missing,)).fetchall())

    @_read
    def sentences(self, keys: Sequence[int]) -> list[Sentence]:
        self._fetch(keys)
        return [self._sentences[int(k)][0] for k in keys]

    @_read
    def sentence_latent(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray] | None:
        self._fetch(keys)
        found = [self._sentences[int(k)][2] for k in keys]
        if not found or any(x is None for x in found) or len({len(x[0]) for x in found}) != 1:  # type: ignore[index]
            return None
        return (np.asarray([x[0] for x in found], np.int16),  # type: ignore[index]
                np.asarray([x[1] for x in found], np.float16))  # type: ignore[index]

    @_read
    def sentence_vectors(self, keys: Sequence[int]) -> np.ndarray:
        self._fetch(keys)
        if not keys:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([self._sentences[int(k)][1] for k in keys]).astype(np.float32)


class PostgresWriter:
    """Changes inside one transaction that holds the ``rag_meta`` row lock."""

    def __init__(self, store: "PostgresStore", conn, view: PostgresView | None) -> None:
        self.store, self.conn, self.view = store, conn, view
        self.chunks_written = 0

    def clear(self) -> None:
        self.conn.execute("TRUNCATE rag_lexicon, rag_postings, rag_sentences, rag_chunks, rag_documents")
        self.conn.execute("UPDATE rag_meta SET lexemes = 0, documents = 0, chunks = 0, sentences = 0 WHERE id = 1")
        self._drop_hnsw(keep=None)  # the next rows may have another dimension (another model)

    def _drop_hnsw(self, keep: str | None) -> bool:
        """Drop every HNSW index but ``keep``; whether ``keep`` exists."""
        kept = False
        for (name,) in self.conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'rag_chunks' "
                                         "AND indexname LIKE 'rag_chunks_hnsw_%%'").fetchall():
            if name == keep:
                kept = True
            else:
                self.conn.execute(f'DROP INDEX "{name}"')
        return kept

    def delete(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            ids = list(doc_ids)
            self._keep_counts(ids, -1)
            # Their lexemes' document frequencies; a lexeme no document holds any more goes.
            gone = [lex for lex, df in self.conn.execute(
                "UPDATE rag_lexicon l SET df = l.df - d.n FROM (SELECT u.lexeme, count(*) AS n "
                "FROM rag_chunks c, unnest(c.tsv) u WHERE c.doc_id = ANY(%s) GROUP BY 1) d "
                "WHERE l.lexeme = d.lexeme RETURNING l.lexeme, l.df", (ids,)).fetchall() if df <= 0]
            if gone:
                self.conn.execute("DELETE FROM rag_lexicon WHERE lexeme = ANY(%s)", (gone,))
            self.conn.execute("DELETE FROM rag_documents WHERE id = ANY(%s)", (ids,))

    def _keep_counts(self, doc_ids: Sequence[str], sign: int) -> None:
        """Keep rag_meta's counts up to date from the documents written or removed, without reading
        the whole tables at each commit (seconds at 1M chunks): documents, chunks, sentences and
        BM25's total length. Writers are serialised by the lock on rag_meta, so the sums stay exact."""
        op = "+" if sign > 0 else "-"
        self.conn.execute(
            f"UPDATE rag_meta SET documents = documents {op} (SELECT count(*) FROM rag_documents WHERE id = ANY(%(ids)s)), "
            f"chunks = chunks {op} (SELECT count(*) FROM rag_chunks WHERE doc_id = ANY(%(ids)s)), "
            f"sentences = sentences {op} (SELECT count(*) FROM rag_sentences WHERE doc_id = ANY(%(ids)s)), "
            f"lexemes = lexemes {op} (SELECT coalesce(sum(length(tsv)), 0) FROM rag_chunks WHERE doc_id = ANY(%(ids)s)) "
            "WHERE id = 1", {"ids": list(doc_ids)})

    def put(self, records: Sequence[DocumentRecord]) -> None:
        if not records:
            return
        self.delete([r.document.id for r in records])  # replace: chunks and sentences go with the document
        with self.conn.cursor() as cur:
            with cur.copy("COPY rag_documents (id, source, title, text, lang, date, content_hash, meta) FROM STDIN") as cp:
                for r in records:
                    d = r.document
                    cp.write_row((d.id, d.source, d.title, d.text, d.lang, d.date, d.content_hash,
                                  json.dumps(d.meta, ensure_ascii=False)))
            with cur.copy("COPY rag_chunks (id, doc_id, text, start_at, end_at, title, source, lang, date, "
                          "ts_config, embedding) FROM STDIN") as cp:
                for r in records:
                    for c, v in zip(r.chunks, np.asarray(r.vectors, np.float32)):
                        cp.write_row((c.id, c.doc_id, c.text, c.start, c.end, c.title, c.source, c.lang, c.date,
                                      ts_config(c.lang), v))
            with cur.copy("COPY rag_sentences (doc_id, start_at, end_at, item, number, text, embedding, latent_ids, "
                          "latent_weights) FROM STDIN") as cp:
                for r in records:
                    if not r.sentences:
                        continue
                    lat = r.sentence_latent
                    for i, (x, v) in enumerate(zip(r.sentences, np.asarray(r.sentence_vectors, np.float32))):
                        ids = None if lat is None else [int(t) for t in lat[0][i]]
                        weights = None if lat is None else [float(w) for w in lat[1][i]]
                        cp.write_row((r.document.id, x.start, x.end, x.item, x.number, x.text, v, ids, weights))
        # The new chunks' postings (delete() removed the old ones through the cascade), and their
        # lexemes' document frequencies counted from the same rows.
        self.conn.execute("WITH p AS (INSERT INTO rag_postings (lexeme, key, tf, dl) "
                          "SELECT u.lexeme, c.key, coalesce(array_length(u.positions, 1), 1), length(c.tsv) "
                          "FROM rag_chunks c, unnest(c.tsv) u WHERE c.doc_id = ANY(%s) RETURNING lexeme) "
                          "INSERT INTO rag_lexicon (lexeme, df) SELECT lexeme, count(*) FROM p GROUP BY 1 "
                          "ON CONFLICT (lexeme) DO UPDATE SET df = rag_lexicon.df + EXCLUDED.df",
                          ([r.document.id for r in records],))
        self._keep_counts([r.document.id for r in records], +1)
        self.chunks_written += sum(len(r.chunks) for r in records)

    def commit(self, info: BuildInfo) -> PostgresView:
        from rag.cleaning import CLEANING_VERSION

        c = self.conn
        d = int(info.dimension)
        # One HNSW index per dimension in use (a model change clears the tables first).
        if not self._drop_hnsw(keep=f"rag_chunks_hnsw_{d}"):
            # Built once over the rows already loaded: give it the memory to hold the whole graph
            # (this transaction only), or pgvector builds on disk, many times slower at 1M chunks.
            rows = c.execute("SELECT chunks FROM rag_meta WHERE id = 1").fetchone()[0]  # kept by put/delete
            c.execute(f"SET LOCAL maintenance_work_mem = '{hnsw_build_mb(rows, d)}MB'")
            c.execute(f"CREATE INDEX rag_chunks_hnsw_{d} ON rag_chunks "
                      f"USING hnsw ((embedding::vector({d})) vector_ip_ops)")
        c.execute(
            "UPDATE rag_meta SET generation = generation + 1, model = %s, dimension = %s, chunk_size = %s, "
            "chunk_overlap = %s, sentences_indexed = %s, cleaning_version = %s, sources = %s, "
            f"languages = ({_LANGUAGES}), updated_at = now() WHERE id = 1",
            (info.model, d, info.chunk_size, info.chunk_overlap, info.sentences_indexed, CLEANING_VERSION,
             json.dumps(list(info.sources))))
        c.commit()
        if self.chunks_written >= VACUUM_AFTER:
            self._vacuum()
        return self.store.view()

    def _vacuum(self) -> None:
        """After a bulk write, mark the new postings all-visible and give the planner statistics.

        Until autovacuum visits them, every posting read also visits the table row (p95 2.6 s
        against 160 ms at 100k chunks). VACUUM cannot run in a transaction, so this runs after
        the commit; the write is already done whatever happens here.
        """
        import psycopg

        try:
            self.conn.autocommit = True
            self.conn.execute("VACUUM (ANALYZE) rag_postings")
            self.conn.execute("ANALYZE rag_chunks")
        except psycopg.Error as exc:  # e.g. a role that may write but not vacuum: autovacuum will do it
            log.warning("VACUUM after a bulk write failed (%s); autovacuum will catch up", _first_line(exc))
        finally:
            self.conn.autocommit = False


class PostgresStore:
    """A database URL; connections are opened lazily, one per reading thread plus one per write."""

    def __init__(self, url: str, model: str | None) -> None:
        from . import describe_url

        self.url, self.model = url, model
        self.location = describe_url(url)
        self._local = threading.local()
        self._conns: list[Any] = []
        self._lock = threading.Lock()
        self._migrated = False

    def _connect(self, autocommit: bool):
        import psycopg
        from pgvector.psycopg import register_vector

        try:
            conn = psycopg.connect(self.url, autocommit=True, **self._timeout)
            if not self._migrated:
                migrate(conn, self.location)
                self._migrated = True
            register_vector(conn)
            conn.autocommit = autocommit
        except psycopg.Error as exc:
            raise StoreError(f"cannot use the database at {self.location}: {_first_line(exc)}") from exc
        return conn

    @functools.cached_property
    def _given(self) -> dict[str, Any]:
        """The connection parameters the URL sets."""
        from psycopg.conninfo import conninfo_to_dict

        try:
            return conninfo_to_dict(self.url)
        except Exception as exc:  # noqa: BLE001 - psycopg's parse errors are not one class
            raise StoreError(f"not a valid database URL: {self.location}: {_first_line(exc)}") from exc

    @functools.cached_property
    def _timeout(self) -> dict[str, int]:
        """Connection options the URL leaves unset: the connect timeout and TCP keepalives."""
        wanted = {"connect_timeout": CONNECT_TIMEOUT, **KEEPALIVES}
        return {k: v for k, v in wanted.items() if k not in self._given}

    def _reader(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._connect(autocommit=True)
            if "statement_timeout" not in str(self._given.get("options", "")):  # "-c statement_timeout=5s"
                conn.execute(f"SET statement_timeout = {int(READ_TIMEOUT_MS)}")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _replace_reader(self, old) -> Any:
        """A new reading connection for this thread in place of ``old``, which the server dropped."""
        with self._lock:
            if old in self._conns:
                self._conns.remove(old)
        old.close()
        if getattr(self._local, "conn", None) is old:
            self._local.conn = None
        return self._reader()

    def _meta(self, conn, lock: bool = False) -> tuple:
        return conn.execute(f"SELECT {_META_COLS} FROM rag_meta WHERE id = 1" + (" FOR UPDATE" if lock else "")).fetchone()

    def _read_meta(self) -> tuple[Any, tuple]:
        """This thread's reading connection and ``rag_meta``; once more on a new connection if the
        server dropped the old one."""
        import psycopg

        conn = self._reader()
        try:
            try:
                return conn, self._meta(conn)
            except psycopg.OperationalError:
                if not conn.broken:
                    raise
                conn = self._replace_reader(conn)
                return conn, self._meta(conn)
        except psycopg.Error as exc:
            raise StoreError(f"the database at {self.location} failed: {_first_line(exc)}") from exc

    def exists(self) -> bool:
        return self._read_meta()[1][1] is not None

    def view(self) -> PostgresView:
        """What is committed now. Raises IndexMissingError, IndexMismatchError or StoreError."""
        conn, meta = self._read_meta()
        if meta[1] is None:
            raise IndexMissingError(f"no index in {self.location}: run `rag index --store URL` first")
        if self.model is not None and meta[1] != self.model:
            raise IndexMismatchError(
                f"index in {self.location} was built with model {meta[1]!r} but the settings ask for "
                f"{self.model!r}: run `rag index --rebuild --model {self.model}` or pass --model {meta[1]}")
        return PostgresView(self, conn, meta)

    @contextmanager
    def writing(self, tolerate_damage: bool = False) -> Iterator[PostgresWriter]:
        import psycopg

        conn = self._connect(autocommit=False)
        try:
            meta = self._meta(conn, lock=True)  # queue behind any other writer until it commits
            # The writer's own view never switches connection: its reads belong to its transaction.
            view = PostgresView(self, conn, meta, retry=False) if meta[1] is not None else None
            yield PostgresWriter(self, conn, view)
            conn.rollback()  # nothing committed (an error, or a writer that changed nothing)
        except (psycopg.Error, StoreError) as exc:
            if not conn.closed:  # a connection the server dropped has nothing left to roll back
                conn.rollback()
            cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ is not None else exc
            raise StoreError(f"writing to {self.location} failed, nothing was changed: {_first_line(cause)}") from exc
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            for c in self._conns:
                c.close()
            self._conns.clear()
