-- Trained classifier models live in the database, so every replica uses
-- the same ones: sift train writes a field's model here (one row a field,
-- replaced when retrained), sift serve reads them at start.
CREATE TABLE classifiers (
    field      text        PRIMARY KEY,
    model      bytea       NOT NULL,   -- as classify.Model.Save writes it
    trained_at timestamptz NOT NULL
);
