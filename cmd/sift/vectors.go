package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/hnsw"
	"github.com/siftdesk/sift/indexer/openai"
	"github.com/siftdesk/sift/indexer/use"
)

// embedder is what both the indexer and the engine need of an embedder.
type embedder interface {
	Model() string
	Dimensions() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// embedderFlags choose and configure the embedder. The API key is read
// from SIFT_OPENAI_API_KEY only, never from a flag, so it stays out of
// process listings.
type embedderFlags struct {
	kind       string
	baseURL    string
	model      string
	dimensions int
}

func (e *embedderFlags) register(fs *flagSet) {
	fs.StringVar(&e.kind, "embedder", "use", "embedder for semantic search: use (built in, offline), openai (any OpenAI-compatible endpoint; key in $SIFT_OPENAI_API_KEY) or none")
	fs.StringVar(&e.baseURL, "openai-base-url", "https://api.openai.com/v1", "base URL of the OpenAI-compatible endpoint (Ollama: http://localhost:11434/v1)")
	fs.StringVar(&e.model, "openai-model", "text-embedding-3-small", "embedding model (Azure: the deployment name)")
	fs.IntVar(&e.dimensions, "openai-dimensions", 0, "vector length to ask the endpoint for; 0 means the model's own")
}

// open returns the configured embedder, or nil for none.
func (e *embedderFlags) open(ctx context.Context, log *slog.Logger) (embedder, error) {
	switch e.kind {
	case "none":
		return nil, nil
	case "use":
		return use.Load()
	case "openai":
		emb, err := openai.New(openai.Config{
			BaseURL: e.baseURL, APIKey: os.Getenv("SIFT_OPENAI_API_KEY"), Model: e.model, Dimensions: e.dimensions,
		}, log)
		if err != nil {
			return nil, fmt.Errorf("--embedder openai: %w", err)
		}
		if emb.Dimensions() == 0 { // learn the model's length from one call
			if _, err := emb.Embed(ctx, []string{"dimension probe"}); err != nil {
				return nil, fmt.Errorf("--embedder openai: %w", err)
			}
		}
		return emb, nil
	}
	return nil, fmt.Errorf("--embedder: want use, openai or none, got %q", e.kind)
}

// useVectors gives the data directory a vector index for emb: the saved
// one when it matches the store, else one rebuilt from the stored vectors.
// Documents without a vector get one from syncVectors.
func (d *dataDir) useVectors(ctx context.Context, emb embedder, log *slog.Logger) error {
	if d.pg != nil {
		vecs, err := d.pg.VectorIndex(ctx, emb.Model(), emb.Dimensions())
		if err != nil {
			return err
		}
		d.indexer.UseVectors(emb, vecs)
		d.vectors, d.pgVectors = vecs, vecs
		if d.deferVectorIndex {
			return nil
		}
		return d.ensureVectorIndex(ctx, log)
	}
	gen, err := d.bolt.Generation(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	vecs, ok, err := hnsw.LoadVectors(ctx, d.vectorDir(), emb.Model(), emb.Dimensions(), gen)
	if err != nil {
		return fmt.Errorf("load vector index: %w", err)
	}
	if !ok {
		vecs = hnsw.NewVectors(emb.Model(), emb.Dimensions())
		if err := vecs.Rebuild(ctx, d.bolt); err != nil {
			return fmt.Errorf("rebuild vector index: %w", err)
		}
	}
	articles, tickets := vecs.Len()
	if articles+tickets == 0 {
		// A new data directory: nothing to announce; documents are
		// embedded as they come, with their own progress.
		log.Debug("vector index empty", "model", emb.Model())
	} else {
		log.Info("vector index loaded", "model", emb.Model(), "articles", articles, "tickets", tickets,
			"from_file", ok, "took", time.Since(start).Round(time.Millisecond))
	}
	d.indexer.UseVectors(emb, vecs)
	d.vectors, d.hnsw = vecs, vecs
	return nil
}

// ensureVectorIndex builds the PostgreSQL HNSW indexes of the vector index
// in use, when they are missing; embedded, it does nothing.
func (d *dataDir) ensureVectorIndex(ctx context.Context, log *slog.Logger) error {
	if d.pgVectors == nil {
		return nil
	}
	start := time.Now()
	if err := d.pgVectors.EnsureIndex(ctx); err != nil {
		return err
	}
	log.Info("vector index ready", "model", d.pgVectors.Model(), "backend", "pgvector", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// syncVectors embeds the documents that have no vector yet (every document
// when all is set) and logs how many.
func (d *dataDir) syncVectors(ctx context.Context, all bool, log *slog.Logger, progress func(indexer.VectorProgress)) error {
	start := time.Now()
	var n int
	sync := func() (err error) {
		n, err = d.indexer.SyncVectors(ctx, d.store, all, progress)
		return err
	}
	var err error
	if d.pg != nil {
		// Replicas starting together embed one after another: the others
		// then find the vectors stored.
		err = d.pg.Exclusively(ctx, "embed", sync)
	} else {
		err = sync()
	}
	if n > 0 {
		log.Info("embedded documents", "count", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}

func (d *dataDir) vectorDir() string { return filepath.Join(d.dir, "vectors") }

// saveVectors saves the vector index with the store generation it
// reflects, so the next start can load it instead of rebuilding.
func (d *dataDir) saveVectors(ctx context.Context) error {
	if d.hnsw == nil {
		return nil
	}
	gen, err := d.bolt.Generation(ctx)
	if err != nil {
		return err
	}
	return d.hnsw.Save(ctx, d.vectorDir(), gen)
}
