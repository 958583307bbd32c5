// Package openai is Sift's embedder for any endpoint that speaks OpenAI's
// embeddings API: OpenAI itself, Azure OpenAI, Ollama, vLLM, LocalAI. It
// talks to it through github.com/sashabaranov/go-openai.
//
// [Embedder.Embed] sends texts in batches, one request at a time, retries
// rate limits (honouring Retry-After), server errors and timeouts with
// capped exponential backoff and full jitter, checks every response, and
// returns unit-length vectors, so that cosine similarity is a dot product.
// The API key never reaches a log or an error message.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// Backoff between attempts: full jitter, a random wait between 0 and
// min(backoffCap, backoffBase·2^(retry-1)).
const (
	backoffBase = 250 * time.Millisecond
	backoffCap  = 10 * time.Second
	// maxRetryAfter is the longest Retry-After Embed waits for; an endpoint
	// that asks for more fails the call instead of stalling it.
	maxRetryAfter = time.Minute
)

// Embedder turns texts into vectors through an OpenAI-compatible
// embeddings endpoint. It is safe for concurrent use; get one with [New].
type Embedder struct {
	cfg    Config // with defaults
	client *goopenai.Client
	log    *slog.Logger
	dims   atomic.Int64 // learnt from the first response when cfg.Dimensions is 0

	// Retry timing, replaced by tests.
	backoffBase, backoffCap time.Duration
	sleep                   func(ctx context.Context, d time.Duration) error
}

// New returns an embedder for cfg, or the error of cfg.Validate. It makes
// no request: a wrong key or model shows at the first Embed. A nil log
// discards.
func New(cfg Config, log *slog.Logger) (*Embedder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Embedder{
		cfg:         cfg,
		client:      newClient(cfg.APIKey, cfg.BaseURL, cfg.AzureAPIVersion, cfg.Organization, &http.Client{}),
		log:         log.With("component", "openai-embedder"),
		backoffBase: backoffBase,
		backoffCap:  backoffCap,
		sleep:       sleepContext,
	}
	e.log.Debug("embedder configured", "config", cfg)
	return e, nil
}

// Model returns the identifier of the vectors: "openai:MODEL@DIMENSIONS",
// or "openai:MODEL@default" when Config.Dimensions is 0. It does not change
// over the embedder's life. Store it with an index: vectors from two
// different identifiers must never be compared. For Azure, MODEL is the
// deployment's name, so give deployments of different models different
// names.
func (e *Embedder) Model() string {
	if e.cfg.Dimensions > 0 {
		return fmt.Sprintf("openai:%s@%d", e.cfg.Model, e.cfg.Dimensions)
	}
	return "openai:" + e.cfg.Model + "@default"
}

// Dimensions returns the length of the vectors Embed returns: the
// configured Config.Dimensions, or when that is 0 the length the endpoint
// returned for the first successful batch, and 0 until then.
func (e *Embedder) Dimensions() int {
	if e.cfg.Dimensions > 0 {
		return e.cfg.Dimensions
	}
	return int(e.dims.Load())
}

// Embed returns one unit-length vector per text, in the order of texts, all
// of Dimensions() float32. Vectors compare by dot product (cosine
// similarity).
//
// Texts go to the endpoint Config.BatchSize at a time, one request after
// another. A request that fails with 408, 429 or a 5xx status, times out
// (Config.Timeout) or loses its connection is retried up to
// Config.MaxRetries times, after the wait the endpoint asked for in
// Retry-After (or retry-after-ms), else a random wait of up to 250ms,
// 500ms, 1s... capped at 10s; an endpoint that asks to wait more than a
// minute fails the call at once. Other statuses (400, 401, 403, 404...) fail at
// once. A response must hold one finite, non-zero vector per text, all of
// one length: Config.Dimensions when set, else the length of earlier
// responses. Texts must not be empty, which endpoints reject.
//
// Embed returns all vectors or none, with an error that names the batch
// and the status; it wraps ctx.Err() when ctx ends first, whether during a
// request or a wait. It is safe for concurrent use.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("openai: embed: %w", err)
	}
	for i, t := range texts {
		if t == "" {
			return nil, fmt.Errorf("openai: embed: text %d is empty; embeddings endpoints reject empty input", i)
		}
	}
	out := make([][]float32, len(texts))
	size := e.cfg.BatchSize
	n := (len(texts) + size - 1) / size
	for b := range n {
		bt := batch{index: b, count: n, first: b * size, end: min((b+1)*size, len(texts))}
		vecs, err := e.embedBatch(ctx, bt, texts[bt.first:bt.end])
		if err != nil {
			return nil, err
		}
		copy(out[bt.first:bt.end], vecs)
	}
	return out, nil
}

// batch locates one request's texts in a call to Embed.
type batch struct {
	index, count int // 0-based index of the batch, and how many there are
	first, end   int // texts[first:end]
}

func (b batch) String() string {
	return fmt.Sprintf("batch %d of %d (texts %d to %d)", b.index+1, b.count, b.first, b.end-1)
}

// embedBatch embeds texts with one request, retried as Embed documents.
func (e *Embedder) embedBatch(ctx context.Context, bt batch, texts []string) ([][]float32, error) {
	for attempt := 1; ; attempt++ {
		start := time.Now()
		vecs, f := e.request(ctx, texts)
		e.log.Debug("embeddings request", "batch", bt.index+1, "batches", bt.count, "texts", len(texts),
			"attempt", attempt, "latency", time.Since(start), "ok", f == nil, "status", f.statusCode())
		if f == nil {
			return vecs, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("openai: embed %s: %w", bt, err)
		}
		if !f.retry {
			return nil, e.newError(f, "openai: embed %s: %s", bt, f.msg)
		}
		if attempt > e.cfg.MaxRetries {
			return nil, e.newError(f, "openai: embed %s: gave up after %s: %s", bt, attempts(attempt), f.msg)
		}
		delay := e.backoff(attempt)
		if f.retryAfter >= 0 {
			if f.retryAfter > maxRetryAfter {
				return nil, e.newError(f, "openai: embed %s: endpoint asked to retry after %s, more than %s: %s",
					bt, f.retryAfter, maxRetryAfter, f.msg)
			}
			delay = f.retryAfter
		}
		e.log.Warn("retrying embeddings request", "batch", bt.index+1, "batches", bt.count, "attempt", attempt,
			"status", f.statusCode(), "delay", delay, "error", e.redact(f.msg))
		if err := e.sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("openai: embed %s: %w", bt, err)
		}
	}
}

// request makes one request for texts and checks its response. It returns
// the vectors, or why it failed.
func (e *Embedder) request(ctx context.Context, texts []string) ([][]float32, *failure) {
	info := &responseInfo{retryAfter: -1}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, responseInfoKey{}, info), e.cfg.Timeout)
	defer cancel()
	resp, err := e.client.CreateEmbeddings(actx, goopenai.EmbeddingRequest{
		Input:      texts,
		Model:      goopenai.EmbeddingModel(e.cfg.Model),
		Dimensions: e.cfg.Dimensions,
	})
	if err != nil {
		return nil, e.classify(err, info)
	}
	vecs, err := e.check(resp, len(texts))
	if err != nil {
		return nil, &failure{status: info.status, retryAfter: -1, msg: err.Error()}
	}
	return vecs, nil
}

// check returns the vectors of resp in the order of the n texts asked for,
// normalised to unit length, or what is wrong with them.
func (e *Embedder) check(resp goopenai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, fmt.Errorf("endpoint returned %d vectors for %d texts", len(resp.Data), n)
	}
	out := make([][]float32, n)
	dim := len(resp.Data[0].Embedding)
	if dim == 0 {
		return nil, errors.New("endpoint returned empty vectors")
	}
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("endpoint returned a vector with index %d, out of range or repeated, for %d texts", d.Index, n)
		}
		if len(d.Embedding) != dim {
			return nil, fmt.Errorf("endpoint returned vectors of %d and %d dimensions in one response", dim, len(d.Embedding))
		}
		if !normalise(d.Embedding) {
			return nil, fmt.Errorf("endpoint returned a zero or non-finite vector for text %d of the batch", d.Index)
		}
		out[d.Index] = d.Embedding
	}
	switch {
	case e.cfg.Dimensions > 0 && dim != e.cfg.Dimensions:
		return nil, fmt.Errorf("endpoint returned vectors of %d dimensions, Dimensions is %d (does the model support choosing dimensions?)", dim, e.cfg.Dimensions)
	case e.cfg.Dimensions == 0 && !e.dims.CompareAndSwap(0, int64(dim)) && e.dims.Load() != int64(dim):
		return nil, fmt.Errorf("endpoint returned vectors of %d dimensions, earlier ones had %d", dim, e.dims.Load())
	}
	return out, nil
}

// normalise scales v to unit length in place. It reports false, leaving v
// unusable, when v has zero length or a non-finite element.
func normalise(v []float32) bool {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	norm := math.Sqrt(sum)
	if norm == 0 || math.IsInf(norm, 0) || math.IsNaN(norm) {
		return false
	}
	for i, x := range v {
		v[i] = float32(float64(x) / norm)
	}
	return true
}

// redact removes the API key from s.
func (e *Embedder) redact(s string) string {
	if e.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, e.cfg.APIKey, "[redacted]")
}

// embedError is what Embed returns when the endpoint fails a batch for
// good. Its message names the batch and the status but never holds the API
// key; Unwrap gives go-openai's error (such as *openai.APIError), whose own
// message quotes the endpoint verbatim.
type embedError struct {
	msg    string
	status int
	err    error
}

func (e *embedError) Error() string { return e.msg }
func (e *embedError) Unwrap() error { return e.err }

// newError returns the error for failure f, its message formatted and
// redacted.
func (e *Embedder) newError(f *failure, format string, args ...any) error {
	return &embedError{msg: e.redact(fmt.Sprintf(format, args...)), status: f.status, err: f.err}
}

// attempts returns "1 attempt", "2 attempts"...
func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// sleepContext waits for d, or until ctx ends and then returns ctx.Err().
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
