// Package use is Sift's default, offline sentence embedder: the Universal
// Sentence Encoder lite (Google, Apache-2.0), English, 512 dimensions.
//
// The SentencePiece tokenizer and the transformer's forward pass are written
// in Go, no cgo. The feed-forward blocks and layer 1's attention
// projections (nine tenths of the work) multiply 8-bit weights, one scale
// per output column and group of 128 rows, by inputs quantized to 8 bits
// per row and group; the rest is float32. Vectors have a cosine similarity
// of at least 0.9997 to the TF.js reference implementation's on the
// reference texts. Matrix products run in amd64 assembly where the CPU
// allows: the 8-bit ones with AVX-512 VNNI, the float32 ones on a
// register-blocked AVX-512 kernel, or AVX2; gonum's blas32 elsewhere.
// Without VNNI the 8-bit products' integer sums are computed by the
// float32 kernels, exactly, so every machine gets the same vectors to
// within rounding. The weights (28 MB of float32) and the vocabulary are
// embedded in the binary from the model folder, which also holds their
// licence and provenance (model/NOTICE), so embedding needs no network, no
// key and no files.
//
// The model reads at most [MaxTokens] tokens; [Encoder.Embed] splits longer
// texts into chunks and averages their vectors. It is weaker than modern
// embedding models on rare identifiers (error codes, order numbers), so
// fuse its results with full-text search.
package use

import (
	"context"
	"embed"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// MaxTokens is the number of tokens the model reads at once. Longer texts
// are embedded in chunks of at most MaxTokens tokens.
const MaxTokens = 128

// modelName names the model and its output width. It changes whenever the
// vectors for the same text would change beyond the rounding of one
// computation against another, so that indexes built with one version are
// never searched with vectors from another.
const modelName = "use-lite-2@512"

// Batching: one forward pass takes consecutive sequences of up to
// maxBatchTokens tokens (a longer sequence goes alone), fewer when there is
// little to do, so that each worker gets about batchesPerWorker batches and
// no worker waits long for the last one. A batch needs about 20 KB of
// scratch memory per token.
const (
	maxBatchTokens   = 128
	minBatchTokens   = 16
	batchesPerWorker = 4
)

//go:embed model/model.json model/vocab.json model/group1-shard*
var modelFiles embed.FS

// Encoder embeds English text with the Universal Sentence Encoder lite. It
// is safe for concurrent use; get one with [Load].
type Encoder struct {
	tok     *tokenizer
	weights *weights
	scratch sync.Pool // of *scratch
}

var (
	loadOnce sync.Once
	loaded   *Encoder
	errLoad  error
)

// Load parses the embedded weights and vocabulary the first time it is
// called (about 30 MB of memory, a fraction of a second) and returns the
// same Encoder, or the same error, on every call. It is safe to call from
// several goroutines at once.
func Load() (*Encoder, error) {
	loadOnce.Do(func() {
		loaded, errLoad = load()
	})
	return loaded, errLoad
}

// load builds an Encoder from the embedded model files.
func load() (*Encoder, error) {
	vocab, err := modelFiles.ReadFile("model/vocab.json")
	if err != nil {
		return nil, fmt.Errorf("use: %w", err)
	}
	tok, err := newTokenizer(vocab)
	if err != nil {
		return nil, fmt.Errorf("use: %w", err)
	}
	w, err := parseWeights(modelFiles, "model")
	if err != nil {
		return nil, fmt.Errorf("use: %w", err)
	}
	if w.maxLength != MaxTokens {
		return nil, fmt.Errorf("use: model reads %d tokens, want %d", w.maxLength, MaxTokens)
	}
	if len(tok.stepLen) > vocabSize {
		return nil, fmt.Errorf("use: vocabulary of %d pieces, embeddings for %d", len(tok.stepLen), vocabSize)
	}
	return &Encoder{tok: tok, weights: w}, nil
}

// Model returns the identifier of the model and its dimensions,
// "use-lite-2@512". Store it with an index: vectors from two different
// identifiers must never be compared.
func (e *Encoder) Model() string { return modelName }

// Dimensions returns the length of every vector Embed returns: 512.
func (e *Encoder) Dimensions() int { return modelDim }

// Tokens returns the SentencePiece token ids of text, all of them (Embed
// reads them MaxTokens at a time). It is meant for tests and debugging.
func (e *Encoder) Tokens(text string) []int {
	ids := e.tok.encode(text)
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// sequence is one chunk of a text's tokens and where its vector goes.
type sequence struct {
	ids []int32
	vec []float32
}

// Embed returns one unit-length vector of Dimensions() float32 per text, in
// the order of texts. Vectors compare by dot product (cosine similarity).
//
// A text of at most MaxTokens tokens gets the model's vector for it. A longer
// text is split into the fewest chunks of at most MaxTokens tokens, of equal
// length give or take one token, and gets the normalised mean of the chunks'
// vectors. A text with no tokens (empty, or empty after NFKC
// normalisation) gets the model's vector for an empty sequence, the same for
// all of them.
//
// Texts are batched and embedded on runtime.GOMAXPROCS(0) goroutines. Embed
// returns an error wrapping ctx.Err() if ctx ends before it is done, and
// then no vectors. It is safe for concurrent use.
func (e *Encoder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("use: embed: %w", err)
	}
	out := make([][]float32, len(texts))
	if len(texts) == 0 {
		return out, nil
	}
	workers := runtime.GOMAXPROCS(0)

	// Tokenise.
	ids := make([][]int32, len(texts))
	if err := parallel(ctx, len(texts), workers, func(i int) error {
		ids[i] = e.tok.encode(texts[i])
		return nil
	}); err != nil {
		return nil, err
	}

	// Split into sequences; a text of one chunk gets its vector in place.
	vectors := make([]float32, len(texts)*modelDim)
	var seqs []sequence
	chunked := make(map[int][]sequence) // text index -> its chunks, when more than one
	tokens := 0
	for i, textIDs := range ids {
		out[i] = vectors[i*modelDim : (i+1)*modelDim : (i+1)*modelDim]
		chunks := splitChunks(textIDs, MaxTokens)
		tokens += len(textIDs)
		switch len(chunks) {
		case 0:
			seqs = append(seqs, sequence{vec: out[i]})
		case 1:
			seqs = append(seqs, sequence{ids: chunks[0], vec: out[i]})
		default:
			for _, c := range chunks {
				s := sequence{ids: c, vec: make([]float32, modelDim)}
				seqs = append(seqs, s)
				chunked[i] = append(chunked[i], s)
			}
		}
	}

	// Batch consecutive sequences.
	perBatch := (tokens + batchesPerWorker*workers - 1) / (batchesPerWorker * workers)
	budget := min(max(perBatch, minBatchTokens), maxBatchTokens)
	var batches [][]sequence
	for start := 0; start < len(seqs); {
		end, n := start+1, len(seqs[start].ids)
		for end < len(seqs) && n+len(seqs[end].ids) <= budget {
			n += len(seqs[end].ids)
			end++
		}
		batches = append(batches, seqs[start:end])
		start = end
	}

	// Embed.
	if err := parallel(ctx, len(batches), workers, func(b int) error {
		batch := batches[b]
		s, _ := e.scratch.Get().(*scratch)
		if s == nil {
			s = new(scratch)
		}
		defer e.scratch.Put(s)
		// A lone batch (a query) may spread its products over the cores.
		s.stripes = 1
		if len(batches) == 1 {
			s.stripes = workers
		}
		in := make([][]int32, len(batch))
		vecs := make([][]float32, len(batch))
		for i, seq := range batch {
			in[i], vecs[i] = seq.ids, seq.vec
		}
		if err := e.weights.forward(ctx, s, in, vecs); err != nil {
			return fmt.Errorf("use: embed: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	// Average the chunks of long texts.
	for i, chunks := range chunked {
		v := out[i]
		for _, c := range chunks {
			for j, x := range c.vec {
				v[j] += x
			}
		}
		normalize(v)
	}
	return out, nil
}

// normalize scales v to unit length, leaving a zero vector as it is.
func normalize(v []float32) {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	if sq == 0 {
		return
	}
	inv := 1 / math.Sqrt(sq)
	for j := range v {
		v[j] = float32(float64(v[j]) * inv)
	}
}

// parallel calls fn(i) for every i in [0, n) on at most workers goroutines.
// It stops handing out work at the first error, or when ctx ends, and
// returns that error (wrapping ctx.Err() in the second case).
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	workers = max(min(workers, n), 1)
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed() {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(fmt.Errorf("use: embed: %w", err))
					return
				}
				if err := fn(i); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
