package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
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
	jsonFile := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench",
		"--articles", "500", "--queries", "50", "--concurrency", "4", "--duration", "300ms",
		"--seed", "7", "--log-level", "warn", "--json", "--json-file", jsonFile, "--search-queries", "20",
		"--semantic-articles", "30", "--semantic-sentences", "40", "--semantic-queries", "10",
		"--triage-tickets", "300", "--triage-train", "200", "--triage-calls", "10",
		"--triage-concurrency", "2", "--triage-duration", "300ms",
		"--events-concurrency", "2", "--events-duration", "300ms", "--metrics-events", "80000",
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, section := range []string{"Indexing", "Type-ahead in process", "bleve baseline", "Type-ahead over HTTP",
		"Search in process", "Search over HTTP",
		"Semantic: embedding throughput", "Semantic: indexing", "Semantic: deflection", "Triage: indexing", "Triage: classifiers",
		"Triage in process", "Triage over HTTP", "Events over HTTP", "Metrics over the", "Targets", "PASS"} {
		if !strings.Contains(out, section) {
			t.Errorf("output lacks %q:\n%s", section, out)
		}
	}
	rep := benchJSON(t, stdout.Bytes())
	if saved, err := readBenchRun(jsonFile); err != nil || saved.Measures["triage.in_process.p99_us"] != rep.Triage.InProcess.P99 {
		t.Errorf("--json-file: %v, triage p99 %v; want the report printed, triage p99 %v", err, saved.Measures["triage.in_process.p99_us"], rep.Triage.InProcess.P99)
	}

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
	if s := rep.Search; s == nil || s.InProcess.Calls != 20 || s.InProcess.Answered == 0 || s.InProcess.P50 > s.InProcess.P99 ||
		s.HTTP.Requests == 0 || s.HTTP.Errors != 0 || s.Answer.Calls != 20 || s.Answer.P99 <= 0 {
		t.Errorf("search phase: %+v; want 20 timed searches, some answered, 20 timed answers, requests over HTTP without errors", s)
	}
	checkSemantic(t, rep.Semantic)
	checkTriage(t, rep.Triage)
	if e := rep.Events; e == nil || e.Events == 0 || e.Ingest.Errors != 0 || e.Metrics.Events != max(e.Events, 80000) ||
		e.Metrics.Deflection <= 0 || e.Metrics.CutDays <= 0 || e.Metrics.Gaps <= 0 || e.Metrics.ReplaySec <= 0 || e.Metrics.HeapPerEvent <= 0 {
		t.Errorf("events phase: %+v; want events ingested without errors, the log filled to 80,000, restarted, metrics timed", e)
	}
	if len(rep.Targets) != 17 {
		t.Errorf("%d targets, want 17", len(rep.Targets))
	}
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("temporary data directory left behind: %v %v", entries, err)
	}
}

// checkSemantic checks the semantic phase of TestBench ran with its tiny
// settings and measured something.
func checkSemantic(t *testing.T, s *semanticReport) {
	t.Helper()
	if s == nil {
		t.Error("no semantic report")
		return
	}
	if s.Model == "" || s.Dimensions == 0 {
		t.Errorf("semantic: model %q, %d dimensions", s.Model, s.Dimensions)
	}
	tp := s.Throughput
	if tp.Sentences != 40 || tp.SentencesPerSecond <= 0 || tp.MeanWords < sentenceMinWords || tp.MeanWords > sentenceMaxWords || tp.MeanTokens <= 0 {
		t.Errorf("semantic throughput: %+v; want 40 sentences of %d-%d words", tp, sentenceMinWords, sentenceMaxWords)
	}
	ix := s.Index
	if ix.Articles != 30 || ix.Seconds <= 0 || ix.EmbedSeconds <= 0 || ix.EmbedSeconds > ix.Seconds || ix.ArticlesPerSecond <= 0 {
		t.Errorf("semantic indexing: %+v; want 30 articles, embedding within the indexing time", ix)
	}
	de := s.Deflect
	for name, l := range map[string]latencyStats{"hybrid": de.Hybrid, "vector": de.Vector, "text": de.Text, "embed": de.Embed, "search": de.Search} {
		if l.Calls != 10 || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max {
			t.Errorf("semantic %s: %+v; want 10 calls, ordered percentiles", name, l)
		}
	}
	if de.Hybrid.Answered == 0 || de.Vector.Answered == 0 || de.Search.Answered == 0 {
		t.Errorf("semantic: hybrid, vector and search answered %d, %d, %d of 10; want some each", de.Hybrid.Answered, de.Vector.Answered, de.Search.Answered)
	}
}

// checkTriage checks the triage phase of TestBench ran with its tiny
// settings, trained every field, and saw no errors.
func checkTriage(t *testing.T, tr *triageReport) {
	t.Helper()
	if tr == nil {
		t.Error("no triage report")
		return
	}
	if tr.Tickets != 300 || tr.TicketsBytes <= 0 || tr.Embedder != "none" || tr.IndexSeconds <= 0 || tr.TicketsPerSecond <= 0 {
		t.Errorf("triage indexing: %d tickets, %d bytes, embedder %q, %.3fs, %.0f/s", tr.Tickets, tr.TicketsBytes, tr.Embedder, tr.IndexSeconds, tr.TicketsPerSecond)
	}
	if tr.TrainTickets != 200 || len(tr.Classifiers) != len(trainedFields) {
		t.Errorf("triage: trained on %d tickets, %d classifiers; want 200, %d", tr.TrainTickets, len(tr.Classifiers), len(trainedFields))
	}
	for _, c := range tr.Classifiers {
		if c.Labels < 2 || c.Examples != 200 || c.HeldOutAccuracy <= 0 || c.Seconds <= 0 {
			t.Errorf("triage classifier %+v; want 2 labels or more, 200 examples, an accuracy", c)
		}
	}
	if sim := tr.Similar; sim.Drafts != 60 || sim.Overlap5 <= 0 || sim.SameCategoryInMemory <= 0 || sim.FullTextP50 <= 0 || tr.TicketSearchSeconds <= 0 {
		t.Errorf("triage similar tickets: %+v, loaded in %.3fs; want 60 drafts compared, some overlap, some judged right", sim, tr.TicketSearchSeconds)
	}
	if art := tr.Articles; art.Drafts != 60 || art.Overlap5 <= 0 || art.Overlap5 > 1 || art.WithArticlesPruned <= 0 || art.SameProductPruned <= 0 || art.SameProductPruned > 1 || art.PrunedP50 <= 0 || art.EveryWordP50 <= 0 {
		t.Errorf("triage suggested articles: %+v; want 60 drafts compared, some overlap, some articles", art)
	}
	l := tr.InProcess
	if l.Calls != 10 || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max || tr.WithArticles == 0 {
		t.Errorf("triage in process: %+v, %d with articles; want 10 calls, ordered percentiles, some articles", l, tr.WithArticles)
	}
	h := tr.HTTP
	if h.Concurrency != 2 || h.Requests == 0 || h.Errors != 0 || h.RequestsPerSecond <= 0 || h.Latency.Calls != h.Requests || h.Latency.P99 <= 0 {
		t.Errorf("triage HTTP: %+v; want requests, no errors", h)
	}
}

// TestBenchKeepsTheDataDirectoryGiven also checks that a database URL set
// in the environment (for sift serve) does not send the corpus there: only
// --database-url on the command line does.
func TestBenchKeepsTheDataDirectoryGiven(t *testing.T) {
	t.Setenv("SIFT_DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
	dir := filepath.Join(t.TempDir(), "new", "data")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench",
		"--articles", "50", "--queries", "5", "--concurrency", "2", "--duration", "50ms", "--data", dir, "--log-level", "warn",
		"--semantic=false", "--triage=false", "--events=false",
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, &stderr)
	}
	for _, skipped := range []string{"Semantic", "Triage", "embedding throughput", "triage over HTTP"} {
		if strings.Contains(stdout.String(), skipped) {
			t.Errorf("output has %q, skipped by --semantic=false --triage=false:\n%s", skipped, &stdout)
		}
	}
	for _, name := range []string{"corpus.jsonl", "store.db", "fulltext"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("data directory: %v", err)
		}
	}
	if !strings.Contains(stdout.String(), "into the embedded backend") {
		t.Errorf("output does not say the articles went to the embedded backend:\n%s", &stdout)
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

// TestMadeUpNamesForAMillion checks a corpus of a million documents gets
// its 50,000 distinct made-up names: there are fewer than that of at most
// three syllables, and drawing only those never ended.
func TestMadeUpNamesForAMillion(t *testing.T) {
	g := newCorpusGenFrom(rand.New(rand.NewPCG(1, 2)), 1_000_000)
	seen := map[string]bool{}
	for _, name := range g.brand {
		seen[name] = true
	}
	if len(g.brand) != 50_000 || len(seen) != 50_000 {
		t.Errorf("%d names, %d distinct; want 50,000", len(g.brand), len(seen))
	}
	if orgs := newTicketGen(1, 2, 1_000_000).orgs; len(orgs) != 1_000_000/orgsPerTickets {
		t.Errorf("%d organisations for a million tickets, want %d", len(orgs), 1_000_000/orgsPerTickets)
	}
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
		{"--semantic-articles", "0"}, {"--semantic-sentences", "0"}, {"--semantic-queries", "0"},
		{"--triage-tickets", "5"}, {"--triage-train", "0"}, {"--triage-tickets", "100", "--triage-train", "200"},
		{"--triage-calls", "0"}, {"--triage-concurrency", "0"}, {"--triage-duration", "0s"},
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

func TestBenchTickets(t *testing.T) {
	dir := t.TempDir()
	first, size, err := writeTickets(dir+"/a.jsonl", newTicketGen(3, ticketStream, 400), 400, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 50 || size <= 0 {
		t.Fatalf("kept %d tickets, %d bytes; want 50", len(first), size)
	}
	if _, _, err := writeTickets(dir+"/b.jsonl", newTicketGen(3, ticketStream, 400), 400, 0); err != nil {
		t.Fatal(err)
	}
	fa, _ := os.ReadFile(dir + "/a.jsonl")
	fb, _ := os.ReadFile(dir + "/b.jsonl")
	if !bytes.Equal(fa, fb) {
		t.Error("the same seed gave different tickets")
	}
	portals := map[models.Portal]int{}
	labels := map[string]map[string]bool{}
	for line := range bytes.Lines(fa) {
		var tk models.Ticket
		if err := json.Unmarshal(line, &tk); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if _, err := models.NewTicketChange(&tk); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		portals[tk.Portal]++
		if tk.Portal == models.PortalCustomer && tk.Org == "" {
			t.Errorf("customer ticket %s has no organisation", tk.ID)
		}
		for _, field := range trainedFields {
			v := ticketField(&tk, field)
			if v == "" {
				t.Errorf("ticket %s has no %s", tk.ID, field)
			}
			if labels[field] == nil {
				labels[field] = map[string]bool{}
			}
			labels[field][v] = true
		}
	}
	if portals[models.PortalCustomer] < 100 || portals[models.PortalITSM] < 100 {
		t.Errorf("portals %v, want both, about half each", portals)
	}
	for field, seen := range labels {
		if len(seen) < 3 {
			t.Errorf("%s: %d labels, want several", field, len(seen))
		}
	}

	g := newTicketGen(1, sentenceStream, 100)
	for range 200 {
		if s := g.sentence(sentenceMinWords, sentenceMaxWords); !wordsIn(s, sentenceMinWords, sentenceMaxWords) {
			t.Errorf("sentence %q: want %d to %d words", s, sentenceMinWords, sentenceMaxWords)
		}
		d := g.deflectDraft()
		if !wordsIn(d.Subject, draftMinWords, draftMaxWords) || d.Body == "" || d.Audience.Portal == "" {
			t.Errorf("draft %+v: want a subject of %d to %d words, a body and a portal", d, draftMinWords, draftMaxWords)
		}
		if tk, category, product := g.triageDraft(); category == "" || !strings.Contains(tk.Subject+"\n"+tk.Body, product) || tk.ID != "" || tk.Category != "" || tk.Subject == "" || tk.Portal == models.PortalCustomer && tk.Org == "" {
			t.Errorf("triage draft %+v about %q: want no id or labels, a subject, the product if named, an organisation for customers", tk, product)
		}
	}
}

// TestBenchIntoPostgres times indexing with the built-in embedder into
// PostgreSQL, and refuses a database that already holds articles.
func TestBenchIntoPostgres(t *testing.T) {
	db := testDatabase(t, needDatabase(t))
	bench := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"bench", "--articles", "120", "--embedder", "use",
			"--database-url", db, "--log-level", "warn", "--json"}, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := bench()
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	rep := benchJSON(t, []byte(out))
	if rep.Index.Backend != "postgres" || rep.Index.Embedder != "use" || rep.Index.ArticlesPerSecond <= 0 {
		t.Errorf("index: %+v; want postgres with use, a rate", rep.Index)
	}
	if len(rep.Targets) != 1 || !strings.Contains(rep.Targets[0].Name, "indexing with embeddings (postgres)") {
		t.Errorf("targets %+v; want the indexing target alone", rep.Targets)
	}
	if strings.Contains(out, "Type-ahead") || rep.Typeahead.Sift.Calls != 0 {
		t.Errorf("the type-ahead phase ran with --database-url:\n%s", out)
	}
	d, err := (&dbFlags{url: db}).open(context.Background(), t.TempDir(), 0, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	vectors := 0
	if err := d.pg.Vectors(context.Background(), models.KindArticle, "use-lite-2@512", func(string, []float32) error { vectors++; return nil }); err != nil || vectors != 120 {
		t.Errorf("%d article vectors in the database (%v), want 120", vectors, err)
	}
	if code, _, errOut := bench(); code == 0 || !strings.Contains(errOut, "holds 120 articles") {
		t.Errorf("second run into the same database: exit %d, stderr %q; want a refusal naming the 120 articles", code, errOut)
	}
}
