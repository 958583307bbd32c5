-- A support team's rules are documents too: synonym rules and curation
-- rules are stored, replicated through the change feed and exported like
-- the others.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('article', 'ticket', 'query', 'synonym', 'curation'));
