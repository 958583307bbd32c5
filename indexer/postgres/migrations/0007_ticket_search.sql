-- Tickets searchable by text in the database: a replica answers
-- similar-ticket searches from here while it loads its in-memory ticket
-- search at start, so it serves at once instead of first building a
-- full-text index of every ticket. The subject weighs more than the body
-- (the first 20,000 characters, well within a tsvector's limits).
ALTER TABLE documents ADD COLUMN ticket_text tsvector GENERATED ALWAYS AS (
    CASE WHEN kind = 'ticket' THEN
        setweight(to_tsvector('english', coalesce(doc->>'subject', '')), 'A') ||
        setweight(to_tsvector('english', left(coalesce(doc->>'body', ''), 20000)), 'D')
    END) STORED;
CREATE INDEX documents_ticket_text ON documents USING gin (ticket_text) WHERE kind = 'ticket';
