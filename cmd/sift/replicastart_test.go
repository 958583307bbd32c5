package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

var (
	rsTickets  = flag.Int("rs.tickets", 100_000, "tickets in BenchmarkReplicaStart")
	rsArticles = flag.Int("rs.articles", 10_000, "articles in BenchmarkReplicaStart")
	rsEvents   = flag.Int("rs.events", 1_000_000, "events in BenchmarkReplicaStart")
	rsKeep     = flag.Bool("rs.keep", false, "keep BenchmarkReplicaStart's seeded schema for the next run (it is reused when its sizes match)")
)

// BenchmarkReplicaStart seeds a schema with synthetic articles, tickets
// and events, then starts sift serve over it, as a new replica, and reports
// how long it takes until it listens (start-s), until /readyz answers 200
// (ready-s), until similar tickets come from memory (tickets-s) and until
// the event log is counted into the metrics (metrics-s), and the heap
// then (heap-MiB):
//
//	SIFT_TEST_DATABASE_URL=$(.ci/postgres.sh) go test -run '^$' -bench ReplicaStart -benchtime 1x -timeout 60m ./cmd/sift -args -rs.keep
func BenchmarkReplicaStart(b *testing.B) {
	ctx := context.Background()
	db := rsSchema(b, needDatabase(b))
	search, sameCategory := rsTimeTicketSearch(b, db)
	for b.Loop() {
		start := time.Now()
		logs := &syncBuffer{}
		f := newServeFlags("serve", io.Discard, "")
		if err := f.parse([]string{"--database-url", db, "--data", b.TempDir(), "--addr", "127.0.0.1:0", "--embedder", "none"}); err != nil {
			b.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		addrc := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- serve(runCtx, f, logs, func(addr string) { addrc <- addr }) }()
		var addr string
		select {
		case addr = <-addrc:
		case err := <-done:
			b.Fatalf("serve: %v\n%s", err, logs)
		}
		listening := time.Since(start)
		for !rsReady(addr) {
			time.Sleep(20 * time.Millisecond)
		}
		ready := time.Since(start)
		var tickets, metrics time.Duration
		for tickets == 0 || metrics == 0 {
			time.Sleep(20 * time.Millisecond)
			if tickets == 0 && strings.Contains(logs.String(), "ticket search loaded") {
				tickets = time.Since(start)
			}
			if metrics == 0 && strings.Contains(rsHealth(addr), `"metrics":"ready"`) {
				metrics = time.Since(start)
			}
		}
		runtime.GC()
		heap := heapBytes() // tickets, their timeline and the events' rollup loaded
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(listening.Seconds(), "start-s")
		b.ReportMetric(ready.Seconds(), "ready-s")
		b.ReportMetric(tickets.Seconds(), "tickets-s")
		b.ReportMetric(metrics.Seconds(), "metrics-s")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
		b.ReportMetric(search.P50/1e3, "pg-search-p50-ms")
		b.ReportMetric(search.P99/1e3, "pg-search-p99-ms")
		b.ReportMetric(sameCategory, "pg-search-same-category")
		b.Logf("%d tickets, %d articles, %d events: listening after %s, ready after %s, similar tickets from memory after %s, metrics after %s\n%s",
			*rsTickets, *rsArticles, *rsEvents, listening, ready, tickets, metrics, logs)
	}
}

// rsTimeTicketSearch times the database's ticket search, which answers
// similar tickets until a replica has loaded them, over 200 ticket drafts
// as triage sends them (subject and first words, 6 hits), and judges it:
// the share of the tickets found of the draft's category.
func rsTimeTicketSearch(b *testing.B, db string) (latencyStats, float64) {
	ctx := context.Background()
	pg, err := postgres.Open(ctx, postgres.Config{URL: db})
	if err != nil {
		b.Fatal(err)
	}
	defer pg.Close()
	g := newTicketGen(1, 3, 200)
	lat := make([]time.Duration, 200)
	found, same := 0, 0
	for i := range lat {
		t := g.ticket(i)
		scope := models.TicketScope{Portal: t.Portal}
		if t.Portal != models.PortalITSM {
			scope.Org = t.Org
		}
		start := time.Now()
		hits, err := pg.SearchTickets(ctx, t.Subject+"\n"+models.FirstWords(t.Body, 60), 6, scope)
		lat[i] = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range hits {
			similar, err := pg.Ticket(ctx, h.ID)
			if err != nil {
				b.Fatal(err)
			}
			found++
			if similar.Category == t.Category {
				same++
			}
		}
	}
	return summarise(lat), float64(same) / float64(max(found, 1))
}

// rsReady reports whether the replica at addr says it is ready.
func rsReady(addr string) bool {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// rsHealth returns the body of the replica's /healthz, "" on an error.
func rsHealth(addr string) string {
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// rsSchema returns the URL of a schema holding the benchmark's corpus,
// seeding it unless a kept one of the same sizes is there.
func rsSchema(b *testing.B, base string) string {
	ctx := context.Background()
	name := fmt.Sprintf("replica_start_t%d_a%d_e%d", *rsTickets, *rsArticles, *rsEvents)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists, seeded bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if exists {
		// The events go in last: a schema whose seeding was cut short is
		// seeded again.
		var events int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM "+name+".events").Scan(&events)
		seeded = err == nil && events == *rsEvents
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name+",public")
	u.RawQuery = q.Encode()
	if !*rsKeep {
		b.Cleanup(func() {
			if c, err := pgx.Connect(ctx, base); err == nil {
				c.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
				c.Close(ctx)
			}
		})
	}
	if seeded {
		b.Logf("reusing schema %s", name)
		return u.String()
	}
	for _, stmt := range []string{"DROP SCHEMA IF EXISTS " + name + " CASCADE", "CREATE SCHEMA " + name} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	rsSeed(b, u.String())
	return u.String()
}

// rsSeed writes the benchmark's articles, tickets and events into the
// database at db.
func rsSeed(b *testing.B, db string) {
	ctx := context.Background()
	dir := b.TempDir()
	log := slog.New(slog.DiscardHandler)
	d, err := (&dbFlags{url: db}).open(ctx, dir, 0, false, log)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	start := time.Now()
	articles := filepath.Join(dir, "articles.jsonl")
	if _, _, err := writeCorpus(articles, 1, *rsArticles); err != nil {
		b.Fatal(err)
	}
	tickets := filepath.Join(dir, "tickets.jsonl")
	if _, _, err := writeTickets(tickets, newTicketGen(1, 2, *rsTickets), *rsTickets, 0); err != nil {
		b.Fatal(err)
	}
	for _, src := range []struct {
		path string
		kind models.Kind
	}{{articles, models.KindArticle}, {tickets, models.KindTicket}} {
		if _, err := d.indexer.IndexSources(ctx, []string{src.path}, indexer.Options{Kind: src.kind}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d articles and %d tickets in %s", *rsArticles, *rsTickets, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	from := time.Now().AddDate(0, 0, -60)
	var batch []models.Event
	for i := 0; i*eventBatch < *rsEvents; i++ {
		batch = append(batch, syntheticEvents(1, i, from)...)
		if len(batch) >= 10_000 || (i+1)*eventBatch >= *rsEvents {
			if _, err := d.pg.Append(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.Logf("seeded %d events in %s", *rsEvents, time.Since(start).Round(time.Millisecond))
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs read
// while they are written.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
