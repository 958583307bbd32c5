package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/vocabulary"
	"github.com/siftdesk/sift/models"
)

// evalFigures are the judged figures of one engine on testdata/eval.
type evalFigures struct {
	ndcg, recall, hit8 float64
	search             []engine.QueryOutcome
	suggest            []engine.SuggestOutcome
}

func evaluate(t *testing.T, f *fixture, v *vocabulary.Vocabulary, queries []engine.JudgedQuery, prefixes []engine.JudgedPrefix) evalFigures {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Config{Vocabulary: v}, f.store, f.text, f.writer, discard)
	if err != nil {
		t.Fatal(err)
	}
	search, perQuery, err := eng.EvaluateSearch(ctx, queries, models.Retrieval{Mode: models.RetrievalText})
	if err != nil {
		t.Fatal(err)
	}
	suggest, perPrefix, err := eng.EvaluateSuggest(ctx, prefixes)
	if err != nil {
		t.Fatal(err)
	}
	return evalFigures{search["all"].NDCG10, search["all"].Recall5, suggest["all"].Hit8, perQuery, perPrefix}
}

func readEval[T any](t *testing.T, name string, read func(*os.File) ([]T, error)) []T {
	t.Helper()
	file, err := os.Open(filepath.Join("..", "testdata", "eval", name))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	out, err := read(file)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// TestVocabularyHelps scores search and type-ahead on the judged queries
// and prefixes of testdata/eval (the support-language set included) with
// the built-in vocabulary, without it,
// and without each of its groups: the vocabulary must lift the figures,
// and no group may be better left out (the sum of nDCG@10, recall@5 and
// hit@8 higher without it). The queries it ranks lower, and
// the groups that change nothing here, are logged.
func TestVocabularyHelps(t *testing.T) {
	if testing.Short() {
		t.Skip("scores the eval files once per vocabulary group; skipped with -short")
	}
	f := open(t, backends[0], t.TempDir(), filepath.Join(demo, "articles.jsonl"), filepath.Join(demo, "kb"))
	var queries []engine.JudgedQuery
	var prefixes []engine.JudgedPrefix
	for _, name := range []string{"search.jsonl", "language.jsonl"} {
		queries = append(queries, readEval(t, name, func(r *os.File) ([]engine.JudgedQuery, error) { return engine.ReadJudgedQueries(r) })...)
	}
	for _, name := range []string{"prefixes.jsonl", "language-prefixes.jsonl"} {
		prefixes = append(prefixes, readEval(t, name, func(r *os.File) ([]engine.JudgedPrefix, error) { return engine.ReadJudgedPrefixes(r) })...)
	}
	support := vocabulary.Support()
	with := evaluate(t, f, support, queries, prefixes)
	without := evaluate(t, f, &vocabulary.Vocabulary{}, queries, prefixes)
	t.Logf("with the vocabulary: nDCG@10 %.3f, recall@5 %.3f, hit@8 %.3f; without: %.3f, %.3f, %.3f",
		with.ndcg, with.recall, with.hit8, without.ndcg, without.recall, without.hit8)
	if with.ndcg <= without.ndcg || with.recall < without.recall || with.hit8 < without.hit8 {
		t.Errorf("the vocabulary does not help: nDCG@10 %.4f, recall@5 %.4f, hit@8 %.4f with it; %.4f, %.4f, %.4f without",
			with.ndcg, with.recall, with.hit8, without.ndcg, without.recall, without.hit8)
	}
	for i, q := range queries {
		if w, wo := with.search[i], without.search[i]; w.NDCG10 < wo.NDCG10-1e-9 {
			t.Logf("ranked lower: %q, nDCG@10 %.3f with the vocabulary, %.3f without", q.Query, w.NDCG10, wo.NDCG10)
		}
	}
	for i, g := range support.Groups() {
		less := evaluate(t, f, support.Without(i), queries, prefixes)
		switch {
		case less.ndcg+less.recall+less.hit8 > with.ndcg+with.recall+with.hit8+1e-9:
			t.Errorf("group %q: without it nDCG@10 %.4f, recall@5 %.4f, hit@8 %.4f; with it %.4f, %.4f, %.4f",
				g, less.ndcg, less.recall, less.hit8, with.ndcg, with.recall, with.hit8)
		case less.ndcg == with.ndcg && less.recall == with.recall && less.hit8 == with.hit8:
			t.Logf("group %q changes nothing on the eval files", g)
		}
	}
}
