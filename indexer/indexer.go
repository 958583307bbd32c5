package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// Store is the system of record as the indexer writes it.
type Store interface {
	// Hashes returns the content hash of every stored document of a kind.
	Hashes(ctx context.Context, kind models.Kind) (map[string]string, error)
	// Write applies changes atomically and durably.
	Write(ctx context.Context, changes []models.Change) error
}

// TextIndex is the full-text index as the indexer writes it.
type TextIndex interface {
	// Write applies changes; they are searchable when it returns nil.
	Write(ctx context.Context, changes []models.Change) error
}

// Intents is the part of a Store that makes a crash between the indexes
// and the store repairable: the indexer records the documents a write is
// about to change before it touches the indexes, the store's Write clears
// them, and Repair brings the indexes back to the store's state of any
// that remain. A store that does not implement it (one whose indexes are
// rebuilt at every start) needs no repair.
type Intents interface {
	// Intend durably records the documents changes touch.
	Intend(ctx context.Context, changes []models.Change) error
	// Intents returns the store's state of every recorded document: an
	// upsert of the stored document, or a delete when it is not stored.
	Intents(ctx context.Context) ([]models.Change, error)
	// ClearIntents forgets the intents of changes.
	ClearIntents(ctx context.Context, changes []models.Change) error
}

// DefaultBatchSize is how many changes go into one write.
const DefaultBatchSize = 500

// Indexer writes documents to the full-text index, the vector index (when
// it has an embedder) and the system of record, in that order. When the
// store implements Intents, it records each write's documents first, so
// Repair can undo a crash between the indexes and the store; otherwise a
// re-run of the same sources repairs the indexes. It is safe for
// concurrent use if its Store and TextIndex are.
type Indexer struct {
	store     Store
	text      TextIndex
	batchSize int
	log       *slog.Logger
	embedder  Embedder    // nil: no vectors
	vectors   VectorIndex // nil: no vectors
	mu        sync.Mutex  // orders writes to the indexes and the store
}

// New returns an indexer over store and text. A batchSize of 0 means
// DefaultBatchSize. text may be nil when the full-text index is fed another
// way (a scale-out replica's is fed from the database's change feed).
func New(store Store, text TextIndex, batchSize int, log *slog.Logger) *Indexer {
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	return &Indexer{store: store, text: text, batchSize: batchSize, log: log.With("component", "indexer")}
}

// Apply writes changes to both indexes. When it returns nil they are
// durable and searchable.
func (ix *Indexer) Apply(ctx context.Context, changes []models.Change) error {
	if len(changes) == 0 {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.embedder != nil {
		if err := ix.embed(ctx, changes); err != nil {
			return err
		}
	}
	if in, ok := ix.store.(Intents); ok {
		if err := in.Intend(ctx, changes); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if ix.text != nil {
		if err := ix.text.Write(ctx, changes); err != nil {
			return err
		}
	}
	if ix.vectors != nil {
		if err := ix.vectors.Write(ctx, changes); err != nil {
			return fmt.Errorf("vector index: %w", err)
		}
	}
	if err := ix.store.Write(ctx, changes); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Repair brings the full-text index to the store's state of the documents
// whose write a crash interrupted, and returns how many there were. Call
// it after opening, before the indexes are read; it does nothing when the
// store does not implement Intents. The vector index needs no repair: it
// is rebuilt from the store when the store moved on since it was saved.
func (ix *Indexer) Repair(ctx context.Context) (int, error) {
	in, ok := ix.store.(Intents)
	if !ok {
		return 0, nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	changes, err := in.Intents(ctx)
	if err != nil || len(changes) == 0 {
		return 0, err
	}
	if err := ix.text.Write(ctx, changes); err != nil {
		return 0, fmt.Errorf("repair full-text index: %w", err)
	}
	if err := in.ClearIntents(ctx, changes); err != nil {
		return 0, fmt.Errorf("repair: %w", err)
	}
	ix.log.Warn("repaired the full-text index after an interrupted write", "documents", len(changes))
	return len(changes), nil
}

// Options control IndexSources.
type Options struct {
	// Kind forces the document kind of JSON Lines and CSV records; empty
	// means guess per record.
	Kind models.Kind
	// DeleteMissing removes stored documents, of the kinds the sources hold,
	// that the sources no longer contain. It is not done when any record was
	// skipped, since a skipped record's id is unknown.
	DeleteMissing bool
	// Progress, if set, is called after every batch and at the end.
	Progress func(Progress)
	// Read, if set, reads each source instead of ReadSource: a help
	// desk's importer, say. Kind does not apply to it.
	Read func(ctx context.Context, path string, fn func(Record) error) error
}

// Progress counts what a run has done so far.
type Progress struct {
	Read, Added, Updated, Unchanged, Deleted, Skipped int
	Elapsed                                           time.Duration
}

// Summary is the outcome of a run: its counts and the records it skipped.
type Summary struct {
	Progress
	Problems []Record // skipped records, each with its Err
	// DeleteSkipped is true when DeleteMissing was asked for but not done.
	DeleteSkipped bool
}

// IndexSources reads every source in order and upserts what changed: new
// documents are added, changed ones replaced, unchanged ones skipped. Bad
// records are collected in the summary, not fatal. It returns an error
// only when a source cannot be read or a write fails; documents written
// before that stay written.
func (ix *Indexer) IndexSources(ctx context.Context, sources []string, opt Options) (Summary, error) {
	start := time.Now()
	read := opt.Read
	if read == nil {
		read = func(ctx context.Context, path string, fn func(Record) error) error {
			return ReadSource(ctx, path, opt.Kind, fn)
		}
	}
	for _, src := range sources {
		var err error
		if opt.Read == nil {
			_, err = CheckSource(src)
		} else if _, err = os.Stat(src); err != nil {
			err = fmt.Errorf("read %s: %w", src, err)
		}
		if err != nil {
			return Summary{}, err
		}
	}
	run := &indexRun{ix: ix, opt: opt, hashes: map[models.Kind]map[string]string{}, seen: map[models.Kind]map[string]bool{}}
	for _, k := range models.Kinds {
		h, err := ix.store.Hashes(ctx, k)
		if err != nil {
			return run.sum, fmt.Errorf("read stored hashes: %w", err)
		}
		run.hashes[k] = h
	}
	report := func() {
		if opt.Progress != nil {
			run.sum.Elapsed = time.Since(start)
			opt.Progress(run.sum.Progress)
		}
	}
	for _, src := range sources {
		err := read(ctx, src, func(r Record) error {
			if err := run.add(ctx, r); err != nil {
				return err
			}
			if len(run.pending) >= ix.batchSize {
				if err := run.flush(ctx); err != nil {
					return err
				}
				report()
			}
			return nil
		})
		if err != nil {
			// Keep what was read before the failure.
			return run.sum, errors.Join(err, run.finish(ctx))
		}
	}
	if err := run.finish(ctx); err != nil {
		return run.sum, err
	}
	if opt.DeleteMissing {
		if run.sum.Skipped > 0 {
			run.sum.DeleteSkipped = true
			ix.log.Warn("not deleting missing documents: some records were skipped", "skipped", run.sum.Skipped)
		} else if err := run.deleteMissing(ctx); err != nil {
			return run.sum, err
		}
	}
	report()
	run.sum.Elapsed = time.Since(start)
	return run.sum, nil
}

// indexRun is the state of one IndexSources call.
type indexRun struct {
	ix      *Indexer
	opt     Options
	hashes  map[models.Kind]map[string]string // stored hash by id, updated as we write
	seen    map[models.Kind]map[string]bool   // ids present in the sources
	pending []models.Change
	sum     Summary
	writer  *batchWriter // nil until the first batch is written
}

func (r *indexRun) add(ctx context.Context, rec Record) error {
	r.sum.Read++
	if rec.Err != nil {
		r.sum.Skipped++
		r.sum.Problems = append(r.sum.Problems, rec)
		return nil
	}
	c := rec.Change
	if r.seen[c.Kind] == nil {
		r.seen[c.Kind] = map[string]bool{}
	}
	r.seen[c.Kind][c.ID] = true
	old, exists := r.hashes[c.Kind][c.ID]
	switch {
	case exists && old == c.Hash:
		r.sum.Unchanged++
		return nil
	case exists:
		r.sum.Updated++
	default:
		r.sum.Added++
	}
	r.hashes[c.Kind][c.ID] = c.Hash
	r.pending = append(r.pending, c)
	return nil
}

// flush embeds the pending changes a batch at a time and hands each batch
// to the run's writer, which writes it while the next one is read and
// embedded: the encoder never waits for the indexes and the store.
func (r *indexRun) flush(ctx context.Context) error {
	for len(r.pending) > 0 {
		n := min(len(r.pending), r.ix.batchSize)
		batch := Dedupe(r.pending[:n])
		r.pending = r.pending[n:]
		if r.ix.embedder != nil {
			if err := r.ix.embed(ctx, batch); err != nil {
				return err
			}
		}
		if r.writer == nil {
			r.writer = newBatchWriter(ctx, r.ix)
		}
		if err := r.writer.write(batch); err != nil {
			return err
		}
	}
	r.pending = nil
	return nil
}

// finish flushes the pending changes and waits until every batch is
// written; it returns the first write that failed.
func (r *indexRun) finish(ctx context.Context) error {
	err := r.flush(ctx)
	if r.writer != nil {
		err = errors.Join(err, r.writer.close())
		r.writer = nil
	}
	return err
}

// batchWriter applies embedded batches in order, one at a time, in its
// own goroutine. After a failed write it takes no more batches.
type batchWriter struct {
	batches chan []models.Change
	done    chan struct{}
	mu      sync.Mutex
	err     error // the failed write, once there is one
}

// newBatchWriter starts a writer applying batches to ix until close. A
// batch handed to it is written even when ctx ends meanwhile: it was
// read, embedded and counted, and a run cut short keeps what it read.
func newBatchWriter(ctx context.Context, ix *Indexer) *batchWriter {
	ctx = context.WithoutCancel(ctx)
	w := &batchWriter{batches: make(chan []models.Change, 1), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for batch := range w.batches {
			if w.failed() != nil {
				continue // drain: nothing after a failed write is written
			}
			if err := ix.Apply(ctx, batch); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// failed returns the failed write, if any.
func (w *batchWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// write queues batch, waiting while the batch before it is queued; it
// returns the failed write instead, once one failed.
func (w *batchWriter) write(batch []models.Change) error {
	if err := w.failed(); err != nil {
		return err
	}
	w.batches <- batch
	return nil
}

// close waits for the queued batches to be written and returns the
// failed write, if any.
func (w *batchWriter) close() error {
	close(w.batches)
	<-w.done
	return w.failed()
}

// Dedupe keeps the last change per document, in first-seen order, so
// one batch never writes a document twice.
func Dedupe(batch []models.Change) []models.Change {
	last := make(map[models.Kind]map[string]int, 2)
	for i, c := range batch {
		if last[c.Kind] == nil {
			last[c.Kind] = map[string]int{}
		}
		last[c.Kind][c.ID] = i
	}
	out := make([]models.Change, 0, len(batch))
	for i, c := range batch {
		if last[c.Kind][c.ID] == i {
			out = append(out, c)
		}
	}
	return out
}

func (r *indexRun) deleteMissing(ctx context.Context) error {
	for kind, seen := range r.seen {
		for id := range r.hashes[kind] {
			if !seen[id] {
				r.pending = append(r.pending, models.NewDelete(kind, id))
				r.sum.Deleted++
			}
		}
	}
	slices.SortFunc(r.pending, func(a, b models.Change) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return r.finish(ctx)
}
