package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/models"
)

// TestBench runs sift bench end to end with tiny settings and checks that
// every phase ran and reported numbers that make sense; it sets no timing
// thresholds, since test machines vary.
func TestBench(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the default data directory goes here, and must be removed
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench",
		"--articles", "500", "--queries", "50", "--concurrency", "4", "--duration", "300ms",
		"--seed", "7", "--log-level", "warn", "--json",
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, section := range []string{"Indexing", "Type-ahead in process", "bleve baseline", "Type-ahead over HTTP", "Targets", "PASS"} {
		if !strings.Contains(out, section) {
			t.Errorf("output lacks %q:\n%s", section, out)
		}
	}
	rep := benchJSON(t, stdout.Bytes())

	if rep.Index.Embedder != "none" {
		t.Errorf("embedder %q, want none by default", rep.Index.Embedder)
	}
	if rep.Articles != 500 || rep.Seed != 7 || rep.Queries != 50 {
		t.Errorf("settings: articles %d, seed %d, queries %d; want 500, 7, 50", rep.Articles, rep.Seed, rep.Queries)
	}
	if rep.CorpusBytes <= 0 || rep.Index.ArticlesPerSecond <= 0 || rep.Index.PeakHeapBytes == 0 {
		t.Errorf("indexing: corpus %d bytes, %.0f articles/s, peak heap %d", rep.CorpusBytes, rep.Index.ArticlesPerSecond, rep.Index.PeakHeapBytes)
	}
	if _, err := os.Stat("/proc/self/status"); err == nil && rep.Index.PeakRSSBytes < rep.Index.PeakHeapBytes/2 {
		t.Errorf("peak RSS %d, below half the peak heap %d", rep.Index.PeakRSSBytes, rep.Index.PeakHeapBytes)
	}
	for name, s := range map[string]latencyStats{"sift": rep.Typeahead.Sift, "baseline": rep.Typeahead.Baseline} {
		if s.Calls != 50 || s.Answered == 0 || s.P50 <= 0 || s.P50 > s.P90 || s.P90 > s.P99 || s.P99 > s.Max {
			t.Errorf("%s: %+v; want 50 calls, some answered, ordered percentiles", name, s)
		}
	}
	if rep.Typeahead.RatioP99 <= 0 {
		t.Errorf("p99 ratio %v", rep.Typeahead.RatioP99)
	}
	h := rep.HTTP
	if h.Requests == 0 || h.Errors != 0 || h.RequestsPerSecond <= 0 || h.Latency.Calls != h.Requests || h.Latency.P99 <= 0 {
		t.Errorf("HTTP: %+v; want requests, no errors", h)
	}
	if len(rep.Targets) != 5 {
		t.Errorf("%d targets, want 5", len(rep.Targets))
	}
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("temporary data directory left behind: %v %v", entries, err)
	}
}

func TestBenchKeepsTheDataDirectoryGiven(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench",
		"--articles", "50", "--queries", "5", "--concurrency", "2", "--duration", "50ms", "--data", dir, "--log-level", "warn",
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, &stderr)
	}
	for _, name := range []string{"corpus.jsonl", "store.db", "fulltext"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("data directory: %v", err)
		}
	}
}

// benchJSON decodes the report --json prints after the table.
func benchJSON(t *testing.T, out []byte) benchReport {
	t.Helper()
	i := bytes.Index(out, []byte("\n{\n"))
	if i < 0 {
		t.Fatalf("no JSON report in the output:\n%s", out)
	}
	var rep benchReport
	if err := json.Unmarshal(out[i+1:], &rep); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	return rep
}

func TestBenchCorpusIsSeeded(t *testing.T) {
	dir := t.TempDir()
	a, sizeA, err := writeCorpus(dir+"/a.jsonl", 3, 300)
	if err != nil {
		t.Fatal(err)
	}
	b, sizeB, err := writeCorpus(dir+"/b.jsonl", 3, 300)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := writeCorpus(dir+"/c.jsonl", 4, 300)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) || sizeA != sizeB {
		t.Error("the same seed gave different corpora")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same corpus")
	}
	fa, _ := os.ReadFile(dir + "/a.jsonl")
	fb, _ := os.ReadFile(dir + "/b.jsonl")
	if !bytes.Equal(fa, fb) {
		t.Error("the same seed gave different files")
	}
	// Every line is a valid article; about 30% are internal.
	internal := 0
	for line := range bytes.Lines(fa) {
		var art models.Article
		if err := json.Unmarshal(line, &art); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if _, err := models.NewArticleChange(&art); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if art.Visibility == models.VisibilityInternal {
			internal++
		}
	}
	if internal < 60 || internal > 120 {
		t.Errorf("%d of 300 articles internal, want about 90", internal)
	}
}

func TestBenchQueries(t *testing.T) {
	titles := []string{"Reset the password of a shared mailbox", "Printer shows error 49.4C02 on floor 3", "Why is my parcel delayed?"}
	qs := benchQueries(1, titles, 40)
	if len(qs) < 20 {
		t.Fatalf("%d queries from 3 titles, want at least 20", len(qs))
	}
	seen := map[string]bool{}
	portals := map[models.Portal]int{}
	for _, q := range qs {
		if seen[q.Text] {
			t.Errorf("duplicate query %q", q.Text)
		}
		seen[q.Text] = true
		portals[q.Portal]++
		if q.Text == "" || strings.ToLower(q.Text) != q.Text || strings.ContainsAny(q.Text, "?") {
			t.Errorf("query %q: want non-empty lower-case words", q.Text)
		}
		if n := len(strings.Fields(q.Text)); n > 3 {
			t.Errorf("query %q has %d words, want 1 to 3", q.Text, n)
		}
	}
	if portals[models.PortalCustomer] == 0 || portals[models.PortalITSM] == 0 {
		t.Errorf("portals %v, want both", portals)
	}
	if again := benchQueries(1, titles, 40); !slices.Equal(qs, again) {
		t.Error("the same seed gave different queries")
	}
}

func TestBenchFlagsValidate(t *testing.T) {
	for _, args := range [][]string{
		{"--articles", "0"}, {"--queries", "0"}, {"--concurrency", "0"}, {"--duration", "0s"}, {"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"bench"}, args...), &stdout, &stderr); code == 0 {
			t.Errorf("sift bench %v: exit code 0, want an error", args)
		}
	}
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	os.WriteFile(dir+"/x", nil, 0o600)
	if code := run(context.Background(), []string{"bench", "--data", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not empty") {
		t.Errorf("non-empty --data: exit %d, stderr %q", code, &stderr)
	}
}
