package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/models"
)

// The search phase's targets.
const (
	targetSearchP99  = 20 * time.Millisecond // in-process search, p99
	targetSearchRate = 1500.0                // requests/s over loopback
	targetAnswerP99  = 60 * time.Millisecond // in-process extractive answer, p99
)

// searchReport is what the search phase measured.
type searchReport struct {
	InProcess latencyStats `json:"in_process"`
	HTTP      httpLoad     `json:"http"`
	// Answer times extractive answers to the same queries asked as
	// questions ("how do I ..."), in process.
	Answer latencyStats `json:"answer"`
}

// search times full-text search, as a portal's search page asks for it
// (ten hits, facets and snippets), in process and then over HTTP with
// --concurrency clients for --duration.
func (b *bench) search(ctx context.Context, eng *engine.Engine) error {
	half := len(b.searchQueries) / 2
	timed, warmUp := b.searchQueries[:half], b.searchQueries[half:]
	rep := &searchReport{}
	var err error
	rep.InProcess, err = b.timeCalls(ctx, "sift search", warmUp, timed, func(ctx context.Context, q benchQuery) (int, error) {
		res, err := eng.Search(ctx, models.SearchRequest{Query: q.Text, Audience: models.Audience{Portal: q.Portal}})
		return len(res.Hits), err
	})
	if err != nil {
		return err
	}
	rep.Answer, err = b.timeCalls(ctx, "sift answer", warmUp, timed, func(ctx context.Context, q benchQuery) (int, error) {
		res, err := eng.Answer(ctx, models.AnswerRequest{Question: "how do I " + q.Text, Audience: models.Audience{Portal: q.Portal}}, nil)
		if res.Answered {
			return 1, err
		}
		return 0, err
	})
	if err != nil {
		return err
	}
	addr, stop, err := b.serveAPI(eng)
	if err != nil {
		return err
	}
	defer stop()
	urls := make([]string, len(timed))
	for i, q := range timed {
		urls[i] = "http://" + addr + "/v1/search?" + url.Values{"q": {q.Text}, "portal": {string(q.Portal)}}.Encode()
	}
	b.progress("search over HTTP: %d clients on %s for %s", b.f.concurrency, addr, b.f.duration)
	rep.HTTP, err = b.drive(ctx, "search HTTP", b.f.concurrency, b.f.duration, func(ctx context.Context, client *http.Client, i int) error {
		return b.get(ctx, client, urls[i%len(urls)])
	})
	b.rep.Search = rep
	return err
}

// benchSearchQueries draws n distinct search-box queries from titles,
// seeded: two to four whole words of a title, one in five with a typo in
// a word of four letters or more, half on each portal.
func benchSearchQueries(seed uint64, titles []string, n int) []benchQuery {
	r := rand.New(rand.NewPCG(seed, 0x5ea4c4))
	return drawQueries(r, titles, n, func(words []string) []string {
		k := min(2+r.IntN(3), len(words))
		from := r.IntN(len(words) - k + 1)
		return slices.Clone(words[from : from+k])
	})
}

func (b *bench) searchTargets(cores string) []benchTarget {
	s := b.rep.Search
	if s == nil {
		return nil
	}
	return []benchTarget{
		{
			Name:     "search in process, p99",
			Target:   "< " + fmtDuration(targetSearchP99),
			Measured: fmtMicros(s.InProcess.P99),
			Pass:     s.InProcess.P99 < float64(targetSearchP99.Microseconds()),
		},
		{
			Name:     fmt.Sprintf("search over HTTP, c=%d, requests/s", s.HTTP.Concurrency),
			Target:   ">= " + humanInt(int(targetSearchRate)) + cores,
			Measured: humanInt(int(s.HTTP.RequestsPerSecond)),
			Pass:     s.HTTP.RequestsPerSecond >= targetSearchRate,
		},
		{
			Name:     "search over HTTP, errors",
			Target:   "0",
			Measured: humanInt(s.HTTP.Errors),
			Pass:     s.HTTP.Errors == 0 && s.HTTP.Requests > 0,
		},
		{
			Name:     "extractive answer in process, p99",
			Target:   "< " + fmtDuration(targetAnswerP99),
			Measured: fmtMicros(s.Answer.P99),
			Pass:     s.Answer.P99 < float64(targetAnswerP99.Microseconds()),
		},
	}
}

func (b *bench) printSearch(line func(...string), section func(string)) {
	s := b.rep.Search
	section(fmt.Sprintf("Search in process (%s queries, both portals, 10 hits with facets and snippets; each timed once, after as many others)", humanInt(s.InProcess.Calls)))
	line("p50", fmtMicros(s.InProcess.P50))
	line("p90", fmtMicros(s.InProcess.P90))
	line("p99", fmtMicros(s.InProcess.P99))
	line("max", fmtMicros(s.InProcess.Max))
	line("answered", percent(s.InProcess.Answered, s.InProcess.Calls))
	section(fmt.Sprintf("Extractive answers in process (the same %s queries asked as \"how do I ...\"; passages of the 5 best articles scored)", humanInt(s.Answer.Calls)))
	line("p50", fmtMicros(s.Answer.P50))
	line("p99", fmtMicros(s.Answer.P99))
	line("max", fmtMicros(s.Answer.Max))
	line("answered", percent(s.Answer.Answered, s.Answer.Calls))
	section(fmt.Sprintf("Search over HTTP (GET /v1/search on 127.0.0.1, %d clients, %s; clients and server share the CPUs)",
		s.HTTP.Concurrency, fmtDuration(time.Duration(s.HTTP.Seconds*float64(time.Second)))))
	printHTTPLoad(line, s.HTTP)
}
