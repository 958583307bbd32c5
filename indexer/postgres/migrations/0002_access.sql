-- Access control: API keys (stored by the hash of their secret), private
-- links to tickets, and settings shared by every replica (the secret that
-- signs link tokens).
CREATE TABLE api_keys (
    id         text        PRIMARY KEY,
    hash       bytea       NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    key        json        NOT NULL
);

CREATE TABLE links (
    id   text PRIMARY KEY,
    link json NOT NULL
);

CREATE TABLE settings (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);

-- An article restricted to products or tiers is found by vector search only
-- by those entitled to it: the filter reads these columns.
ALTER TABLE documents ADD COLUMN products text[] NOT NULL DEFAULT '{}';
ALTER TABLE documents ADD COLUMN tiers    text[] NOT NULL DEFAULT '{}';
