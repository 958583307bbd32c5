package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestHybridBeatsKeywords indexes the demo articles with the built-in
// embedder and scores retrieval on the judged queries: full text must
// reach its targets, and hybrid must find paraphrases that keywords miss
// while losing nothing on keyword queries.
func TestHybridBeatsKeywords(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the demo corpus; skipped with -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	demo := filepath.Join("..", "..", "testdata", "demo")
	if _, stderr, code := runSift(t, nil, "index", "--data", data, filepath.Join(demo, "articles.jsonl"), filepath.Join(demo, "kb")); code != 0 {
		t.Fatalf("index: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := runSift(t, nil, "eval", "search", "--data", data, filepath.Join("..", "..", "testdata", "eval", "search.jsonl"))
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	t.Log("\n" + stdout)
	// score returns column 1 (nDCG@10) or 3 (recall@5) of a row.
	score := func(kind, mode string, column int) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^\s*` + kind + `\s+\d+\s+` + mode + `\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no %s/%s row in:\n%s", kind, mode, stdout)
		}
		v, _ := strconv.ParseFloat(m[column], 64)
		return v
	}
	const ndcg, recall = 1, 3
	for _, c := range []struct {
		kind, mode string
		column     int
		min        float64
	}{
		{"all", "text", ndcg, 0.85},
		{"all", "text", recall, 0.93},
		{"all", "hybrid", ndcg, 0.87},
		{"all", "hybrid", recall, 0.94},
	} {
		if got := score(c.kind, c.mode, c.column); got < c.min {
			t.Errorf("%s %s column %d: %.3f, want at least %.2f", c.kind, c.mode, c.column, got, c.min)
		}
	}
	for _, column := range []int{ndcg, recall} {
		if text, hybrid := score("paraphrase", "text", column), score("paraphrase", "hybrid", column); hybrid < text+0.02 {
			t.Errorf("paraphrase column %d: hybrid %.3f, text %.3f; want hybrid ahead by 0.02 or more", column, hybrid, text)
		}
	}
	if k, h := score("keyword", "text", recall), score("keyword", "hybrid", recall); h < k {
		t.Errorf("keyword recall@5: hybrid %.3f below text %.3f", h, k)
	}
}

// TestTypeaheadFindsWhatPeopleMean indexes the demo articles and scores
// type-ahead on the judged prefixes of testdata/eval: clean and mistyped
// prefixes of the eval queries and of the titles. The intended article
// must be among the first eight for 95% of them, and almost every prefix
// must get an answer.
func TestTypeaheadFindsWhatPeopleMean(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	demo := filepath.Join("..", "..", "testdata", "demo")
	if _, stderr, code := runSift(t, nil, "index", "--data", data, "--embedder", "none", filepath.Join(demo, "articles.jsonl"), filepath.Join(demo, "kb")); code != 0 {
		t.Fatalf("index: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := runSift(t, nil, "eval", "suggest", "--data", data, filepath.Join("..", "..", "testdata", "eval", "prefixes.jsonl"))
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	t.Log("\n" + stdout)
	m := regexp.MustCompile(`(?m)^\s*all\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s*$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no 'all' row in:\n%s", stdout)
	}
	hit, _ := strconv.ParseFloat(m[2], 64)
	answered, _ := strconv.ParseFloat(m[3], 64)
	if hit < 0.95 {
		t.Errorf("hit@8 %.3f, want at least 0.95", hit)
	}
	if answered < 0.97 {
		t.Errorf("answered %.3f, want at least 0.97", answered)
	}
}

func TestRetrievalModeNeedsAnEmbedder(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	key := adminKey(t, data)
	base, _, stop := startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
	defer stop()
	var problem struct{ Field, Detail string }
	if code := getJSON(t, key, base+"/v1/search?q=x&mode=vector", &problem); code != 400 || problem.Field != "mode" {
		t.Errorf("mode=vector without an embedder: %d %+v, want 400 about mode", code, problem)
	}
}
