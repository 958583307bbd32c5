package engine_test

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/relevance"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/use"
	"github.com/siftdesk/sift/models"
)

var updateRelevance = flag.Bool("update", false, "rewrite engine/relevance/models.json, fitted on testdata/eval")

// TestRelevanceModels fits a relevance model per retrieval mode on the
// judged and no-match queries of testdata/eval over the demo articles,
// embedded with the built-in encoder, and checks the models: calibrated
// (expected calibration error under 0.05), the floor costing at most a
// point of recall@5 per kind of query (none in text mode), and, in hybrid
// mode, at least 90% of the no-match queries answered with nothing. Without -update it also checks
// that the built-in models.json is the one these files give.
func TestRelevanceModels(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the demo articles; skipped with -short")
	}
	ctx := context.Background()
	f := openDemoArticlesWithVectors(t)
	judged := readEval(t, "search.jsonl", func(r *os.File) ([]engine.JudgedQuery, error) { return engine.ReadJudgedQueries(r) })
	unknown := readEval(t, "nomatch.jsonl", func(r *os.File) ([]engine.NoMatchQuery, error) { return engine.ReadNoMatchQueries(r) })
	if len(unknown) < 60 {
		t.Fatalf("nomatch.jsonl has %d queries, want at least 60", len(unknown))
	}
	fitted := map[string]relevance.Model{}
	// The recall@5 a floor may cost each kind of query: a point with
	// vectors, which tell off-topic queries apart well; none in text mode,
	// which tells them apart less well, and whose figures the search
	// targets are set on.
	maxLoss := map[string]float64{models.RetrievalHybrid: 0.01, models.RetrievalVector: 0.01, models.RetrievalText: 0}
	for _, mode := range []string{models.RetrievalHybrid, models.RetrievalText, models.RetrievalVector} {
		data, err := f.eng.JudgeHits(ctx, judged, unknown, models.Retrieval{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		var examples []relevance.Example
		for _, j := range data {
			examples = append(examples, j.Hits...)
		}
		m := relevance.Fit(examples).WithFloor(data, maxLoss[mode])
		fitted[mode] = m
		_, ece, _ := m.Reliability(data, 10)
		share := m.NoMatchShare(data)
		t.Logf("%s: weights %.3f, bias %.3f, floor %.4f; ECE %.4f; no-match answered with nothing %.3f; recall@5 %v",
			mode, m.Weights, m.Bias, m.Floor, ece, share, m.Recall5(data))
		if ece > 0.05 {
			t.Errorf("%s: expected calibration error %.4f, want at most 0.05", mode, ece)
		}
		if mode == models.RetrievalHybrid && share < 0.9 {
			t.Errorf("%s: %.3f of the no-match queries get no article, want at least 0.9", mode, share)
		}
		if def := relevance.Default(mode); !*updateRelevance && !close(def, m) {
			t.Errorf("%s: models.json holds %+v, these files give %+v: run go test ./engine -run TestRelevanceModels -update", mode, def, m)
		}
	}
	if *updateRelevance {
		out, err := json.MarshalIndent(fitted, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("relevance", "models.json"), append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// openDemoArticlesWithVectors indexes the demo articles, embedded with
// the built-in encoder, on the embedded backend.
func openDemoArticlesWithVectors(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := open(t, backends[0], t.TempDir())
	emb, err := use.Load()
	if err != nil {
		t.Fatal(err)
	}
	vecs := f.vectors(emb.Model(), emb.Dimensions())
	f.ix.UseVectors(emb, vecs) // the articles are embedded as they are indexed
	if _, err := f.ix.IndexSources(ctx, []string{filepath.Join(demo, "articles.jsonl"), filepath.Join(demo, "kb")}, indexer.Options{}); err != nil {
		t.Fatal(err)
	}
	// An engine loads its article search from the store: it starts after
	// the writes it did not make.
	if f.eng, err = engine.New(ctx, engine.Config{}, f.store, f.text, f.writer, discard); err != nil {
		t.Fatal(err)
	}
	f.eng.UseVectors(emb, vecs)
	return f
}

// close reports whether two models agree to three decimals.
func close(a, b relevance.Model) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-3 }
	for i := range a.Weights {
		if !near(a.Weights[i], b.Weights[i]) {
			return false
		}
	}
	return near(a.Bias, b.Bias) && near(a.Floor, b.Floor)
}

// TestNoMatchGetsNothing asks the no-match queries of testdata/eval
// (off-topic, gibberish, emoji, other languages) of search, deflection
// and type-ahead over the demo articles with vectors: at least 90% must
// get no article on each, and every empty answer must say it matched
// nothing.
func TestNoMatchGetsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the demo articles; skipped with -short")
	}
	ctx := context.Background()
	f := openDemoArticlesWithVectors(t)
	unknown := readEval(t, "nomatch.jsonl", func(r *os.File) ([]engine.NoMatchQuery, error) { return engine.ReadNoMatchQueries(r) })
	var search, deflect, suggest int
	for _, q := range unknown {
		aud := models.Audience{Portal: q.Portal}
		res, err := f.eng.Search(ctx, models.SearchRequest{Query: q.Query, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			search++
		} else {
			t.Logf("search %q: %s %.3f", q.Query, res.Hits[0].Title, res.Hits[0].Relevance)
		}
		if res.Matched == (len(res.Hits) == 0) {
			t.Errorf("search %q: matched %v with %d hits", q.Query, res.Matched, len(res.Hits))
		}
		def, err := f.eng.Deflect(ctx, models.DeflectRequest{Subject: q.Query, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		if len(def.Articles) == 0 {
			deflect++
		} else {
			t.Logf("deflect %q: %s %.3f", q.Query, def.Articles[0].Title, def.Articles[0].Relevance)
		}
		sug, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: q.Query, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(sug.Suggestions, func(s models.Suggestion) bool { return s.Kind == models.SuggestionArticle }) {
			suggest++
		} else {
			t.Logf("suggest %q: %s (%s)", q.Query, sug.Suggestions[0].Text, sug.Suggestions[0].Match)
		}
	}
	n := float64(len(unknown))
	t.Logf("no article for %d/%d on search, %d on deflection, %d on type-ahead", search, len(unknown), deflect, suggest)
	for name, got := range map[string]int{"search": search, "deflect": deflect, "suggest": suggest} {
		if float64(got)/n < 0.9 {
			t.Errorf("%s: %d of %d no-match queries got no article, want at least 90%%", name, got, len(unknown))
		}
	}
}

// TestTotalDoesNotDependOnLimit asks hybrid search the same queries with
// pages of every size: the total must not change, and must cover what
// the largest page shows of confident hits.
func TestTotalDoesNotDependOnLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the demo articles; skipped with -short")
	}
	ctx := context.Background()
	f := openDemoArticlesWithVectors(t)
	for _, q := range []string{"E-423", "reset password", "my money never showed up", "vpn keeps dropping"} {
		var totals []uint64
		for _, limit := range []int{1, 4, 10, 20, 50} {
			res, err := f.eng.Search(ctx, models.SearchRequest{Query: q, Audience: models.Audience{Portal: models.PortalITSM}, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			totals = append(totals, res.Total)
		}
		if slices.Min(totals) != slices.Max(totals) {
			t.Errorf("%q: totals %v for limits 1, 4, 10, 20, 50; want one total", q, totals)
		}
	}
}
