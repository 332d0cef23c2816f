"""The PostgreSQL schema, created and migrated by the project (``rag_schema`` holds the version).

Each migration runs once, in a transaction, under an advisory lock, so
several processes starting together migrate once. A database whose schema is
newer than this code is refused rather than misread.
"""

from __future__ import annotations

from rag.errors import IndexMismatchError

LOCK_ID = 7_427_001  # pg_advisory_xact_lock key for migrations

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE EXTENSION IF NOT EXISTS vector;
    -- One row: the generation counter every write bumps in its transaction, and how the index was built.
    CREATE TABLE rag_meta (
        id int PRIMARY KEY CHECK (id = 1),
        generation bigint NOT NULL DEFAULT 0,
        model text, dimension int, chunk_size int, chunk_overlap int,
        sentences_indexed boolean, cleaning_version int,
        sources jsonb NOT NULL DEFAULT '[]', languages text[] NOT NULL DEFAULT '{}',
        documents int NOT NULL DEFAULT 0, chunks int NOT NULL DEFAULT 0, sentences int NOT NULL DEFAULT 0,
        lexemes bigint NOT NULL DEFAULT 0,  -- sum of length(tsv) over chunks: BM25's average length
        updated_at timestamptz
    );
    INSERT INTO rag_meta (id) VALUES (1);
    CREATE TABLE rag_documents (
        id text PRIMARY KEY, source text NOT NULL, title text NOT NULL, text text NOT NULL,
        lang text NOT NULL, date text, content_hash text NOT NULL, meta jsonb NOT NULL DEFAULT '{}'
    );
    CREATE TABLE rag_chunks (
        key bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        doc_id text NOT NULL REFERENCES rag_documents (id) ON DELETE CASCADE,
        text text NOT NULL, start_at int NOT NULL, end_at int NOT NULL,
        title text NOT NULL DEFAULT '', source text NOT NULL DEFAULT '', lang text NOT NULL, date text,
        ts_config regconfig NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, text)) STORED,
        embedding vector NOT NULL
    );
    CREATE INDEX rag_chunks_doc ON rag_chunks (doc_id, start_at);
    CREATE INDEX rag_chunks_tsv ON rag_chunks USING gin (tsv);
    CREATE TABLE rag_sentences (
        key bigserial PRIMARY KEY,
        doc_id text NOT NULL REFERENCES rag_documents (id) ON DELETE CASCADE,
        start_at int NOT NULL, end_at int NOT NULL, item boolean NOT NULL, number int, text text NOT NULL,
        embedding vector NOT NULL
    );
    CREATE INDEX rag_sentences_doc ON rag_sentences (doc_id, start_at);
    """,
    # An inverted index for BM25: one row per (lexeme, chunk), so a query reads its terms' postings
    # from one index instead of detoasting the tsvector of every chunk that matches. tf = positions
    # of the lexeme in the chunk, dl = the chunk's distinct lexemes (length(tsv), as rag_meta.lexemes).
    # The index on key serves the cascade when chunks are deleted; nothing searches the tsvectors
    # through GIN any more, so that index goes (it only cost writes).
    2: """
    DROP INDEX rag_chunks_tsv;
    CREATE TABLE rag_postings (
        lexeme text NOT NULL,
        key bigint NOT NULL REFERENCES rag_chunks (key) ON DELETE CASCADE,
        tf int NOT NULL, dl int NOT NULL,
        PRIMARY KEY (lexeme, key) INCLUDE (tf, dl)
    );
    CREATE INDEX rag_postings_key ON rag_postings (key);
    INSERT INTO rag_postings (lexeme, key, tf, dl)
    SELECT u.lexeme, c.key, coalesce(array_length(u.positions, 1), 1), length(c.tsv)
    FROM rag_chunks c, unnest(c.tsv) u;
    """,
    # Each lexeme's document frequency, kept by the writes that add and remove its postings: BM25's
    # idf then costs one index lookup per query term instead of counting the term's postings (a
    # frequent lexeme has hundreds of thousands of them at 1M chunks, read from disk when cold).
    # The index on lang lets a commit list the languages without reading every document.
    3: """
    CREATE TABLE rag_lexicon (lexeme text PRIMARY KEY, df bigint NOT NULL);
    CREATE INDEX rag_documents_lang ON rag_documents (lang);
    INSERT INTO rag_lexicon (lexeme, df) SELECT lexeme, count(*) FROM rag_postings GROUP BY lexeme;
    """,
    # The sentences' latent terms (``Embedder.latent_terms``): a model's strongest sparse features
    # and their weights, NULL for sentences written by a model without them.
    4: """
    ALTER TABLE rag_sentences ADD COLUMN latent_ids smallint[], ADD COLUMN latent_weights real[];
    """,
}
LATEST = max(MIGRATIONS)


def migrate(conn, where: str) -> int:
    """Bring the schema to :data:`LATEST`; returns the version found before. ``conn`` is autocommit."""
    if _version(conn) == LATEST:  # the common case, and the only one a read-only user can take
        return LATEST
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
        conn.execute("CREATE TABLE IF NOT EXISTS rag_schema (version int PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        found = _version(conn)
        if found > LATEST:
            raise IndexMismatchError(f"the database at {where} has schema version {found}, newer than this "
                                     f"rag understands ({LATEST}): upgrade rag")
        for v in range(found + 1, LATEST + 1):
            conn.execute(MIGRATIONS[v])
            conn.execute("INSERT INTO rag_schema (version) VALUES (%s)", (v,))
    return found


def _version(conn) -> int:
    row = conn.execute("SELECT to_regclass('rag_schema') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    return int(conn.execute("SELECT coalesce(max(version), 0) FROM rag_schema").fetchone()[0])
