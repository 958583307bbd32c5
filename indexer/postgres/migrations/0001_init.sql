-- Sift's first schema: documents with their content hash, change sequence
-- number and embedding; tombstones of deleted documents for the change feed;
-- the event log.
CREATE EXTENSION IF NOT EXISTS vector;

-- Every committed upsert or delete takes the next number, in commit order.
CREATE SEQUENCE change_seq;

CREATE TABLE documents (
    kind       text   NOT NULL CHECK (kind IN ('article', 'ticket', 'query')),
    id         text   NOT NULL,
    hash       text   NOT NULL,
    doc        json   NOT NULL,   -- json, not jsonb: kept byte for byte
    seq        bigint NOT NULL,
    access     text   NOT NULL DEFAULT '',  -- article: public|internal; ticket: customer|itsm
    org        text   NOT NULL DEFAULT '',  -- ticket: organisation
    model      text,                         -- embedder of embedding
    embedding  vector,
    PRIMARY KEY (kind, id)
);
CREATE INDEX documents_seq ON documents (seq);

CREATE TABLE tombstones (
    kind text   NOT NULL,
    id   text   NOT NULL,
    seq  bigint NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX tombstones_seq ON tombstones (seq);

CREATE TABLE events (
    n     bigserial   NOT NULL,   -- append order, for events with equal times
    id    text        PRIMARY KEY,
    time  timestamptz NOT NULL,
    event json        NOT NULL
);
CREATE INDEX events_time ON events (time, n);
