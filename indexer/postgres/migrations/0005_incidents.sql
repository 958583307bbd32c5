-- Incidents (known issues) are documents too: stored, replicated through
-- the change feed and exported like the team's rules.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('article', 'ticket', 'query', 'synonym', 'curation', 'org', 'incident'));
