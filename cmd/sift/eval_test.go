package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestHybridBeatsKeywords indexes the demo articles with the built-in
// embedder and scores retrieval on the judged queries: hybrid must find
// paraphrases that keywords miss, and lose nothing on keyword queries.
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
	recall := func(kind, mode string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^\s*` + kind + `\s+\d+\s+` + mode + `\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s*$`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no %s/%s row in:\n%s", kind, mode, stdout)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	text, hybrid := recall("paraphrase", "text"), recall("paraphrase", "hybrid")
	if hybrid < text+0.12 {
		t.Errorf("paraphrase recall@5: hybrid %.3f, text %.3f; want hybrid ahead by 0.12 or more", hybrid, text)
	}
	if k, h := recall("keyword", "text"), recall("keyword", "hybrid"); h < k {
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
