package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/siftdesk/sift/engine/classify"
)

// storeClassifiers stores freshly trained models in the database, over
// PostgreSQL, so every replica loads the same ones; embedded it does
// nothing (trainModels saved them in the data directory).
func (d *dataDir) storeClassifiers(ctx context.Context, trained []trainedModel) error {
	if d.pg == nil {
		return nil
	}
	encoded := map[string][]byte{}
	for _, t := range trained {
		var buf bytes.Buffer
		if err := t.model.Save(&buf); err != nil {
			return fmt.Errorf("encode the %s model: %w", t.field, err)
		}
		encoded[t.field] = buf.Bytes()
	}
	if err := d.pg.SaveClassifiers(ctx, encoded, time.Now()); err != nil {
		return fmt.Errorf("store the classifiers in the database: %w", err)
	}
	return nil
}

// classifiers returns the trained models sift serve uses: over PostgreSQL
// those stored in the database, so every replica uses the same ones, or,
// when the database holds none (trained before models were kept there),
// those in the data directory, as embedded.
func (d *dataDir) classifiers(ctx context.Context, data string, log *slog.Logger) (map[string]*classify.Model, error) {
	if d.pg == nil {
		return loadModels(data, log)
	}
	encoded, err := d.pg.Classifiers(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the classifiers in the database: %w", err)
	}
	if len(encoded) == 0 {
		log.Info("no classifiers in the database (sift train --database-url stores them there); reading --data")
		return loadModels(data, log)
	}
	out := map[string]*classify.Model{}
	for field, b := range encoded {
		if out[field], err = decodeModel(bytes.NewReader(b), field, "database", log); err != nil {
			return nil, err
		}
	}
	return out, nil
}
