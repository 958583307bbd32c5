package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/models"
)

// loadFlags are the flags of sift load.
type loadFlags struct {
	*flagSet
	url         string
	rate        int
	duration    time.Duration
	corpus      string
	key         string
	maxInFlight int
	json        bool
}

func newLoadFlags(stderr io.Writer) *loadFlags {
	f := &loadFlags{flagSet: newFlagSet("load", "",
		"Drive a running Sift on this machine with suggest, search, deflect and triage together,\n"+
			"at a fixed rate (requests are sent on schedule whether or not earlier ones have\n"+
			"answered), and report throughput, latency and errors per endpoint. It exits 1 if any\n"+
			"request failed. Only loopback addresses are accepted.", stderr)}
	f.StringVar(&f.url, "url", "http://127.0.0.1:8080", "base URL of the Sift to drive (loopback only)")
	f.IntVar(&f.rate, "rate", 100, "requests per second, all endpoints together")
	f.DurationVar(&f.duration, "duration", time.Minute, "how long to send requests")
	f.StringVar(&f.corpus, "corpus", filepath.Join("testdata", "demo"), "folder with queries.jsonl and tickets-heldout.jsonl, the questions to ask")
	f.StringVar(&f.key, "key", "", "API key sent as a bearer token, if the server wants one")
	f.IntVar(&f.maxInFlight, "max-in-flight", 512, "requests waiting for an answer at once; a request due beyond it counts as an error")
	f.BoolVar(&f.json, "json", false, "print the results as JSON too, after the table")
	return f
}

func (f *loadFlags) validate() error {
	u, err := url.Parse(f.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url: want http://HOST:PORT, got %q", f.url)
	}
	if !isLoopback(u.Hostname()) {
		return fmt.Errorf("--url: %q is not a loopback address; load is only sent to this machine (127.0.0.0/8, ::1, localhost)", u.Hostname())
	}
	switch {
	case f.rate < 1 || f.rate > 100_000:
		return fmt.Errorf("--rate: want 1 to 100,000, got %d", f.rate)
	case f.duration <= 0 || f.duration > time.Hour:
		return fmt.Errorf("--duration: want more than 0 and at most 1h, got %s", f.duration)
	case f.maxInFlight < 1 || f.maxInFlight > 100_000:
		return fmt.Errorf("--max-in-flight: want 1 to 100,000, got %d", f.maxInFlight)
	}
	return nil
}

// isLoopback reports whether host names this machine's loopback interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newLoadFlags(stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	if f.key == "" {
		f.key = os.Getenv("SIFT_KEY")
	}
	mix, err := loadMix(f.corpus)
	if err != nil {
		return err
	}
	rep, err := driveLoad(ctx, f, mix, stderr)
	if err != nil {
		return err
	}
	printLoad(stdout, rep)
	if f.json {
		if err := json.NewEncoder(stdout).Encode(rep); err != nil {
			return err
		}
	}
	if rep.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed (first: %s)", rep.Errors, rep.Requests, rep.FirstError)
	}
	return nil
}

// loadCall is one kind of request of the mix.
type loadCall struct {
	name   string
	weight int // share of the requests, out of the weights' sum
	// request returns the i-th request of this kind.
	request func(base string, i int) (*http.Request, error)
}

// loadMix builds the mix from the corpus: type-ahead on prefixes of the
// portals' queries (50%), search for whole queries (25%), deflection of
// held-out ticket drafts (15%) and their triage (10%).
func loadMix(corpus string) ([]loadCall, error) {
	var queries []*models.QueryRecord
	var drafts []*models.Ticket
	for _, src := range []struct {
		name string
		kind models.Kind
	}{{"queries.jsonl", models.KindQuery}, {"tickets-heldout.jsonl", models.KindTicket}} {
		err := indexer.ReadSource(context.Background(), filepath.Join(corpus, src.name), src.kind, func(r indexer.Record) error {
			switch {
			case r.Err != nil:
				return fmt.Errorf("%s: %w", r.Location(), r.Err)
			case r.Change.Query != nil:
				queries = append(queries, r.Change.Query)
			case r.Change.Ticket != nil:
				drafts = append(drafts, r.Change.Ticket)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(queries) == 0 || len(drafts) == 0 {
		return nil, fmt.Errorf("--corpus %s: no queries or no ticket drafts", corpus)
	}
	get := func(base, path string, params url.Values) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, base+path+"?"+params.Encode(), nil)
	}
	postJSON := func(base, path string, body any) (*http.Request, error) {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(data))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	return []loadCall{
		{"suggest", 10, func(base string, i int) (*http.Request, error) {
			q := queries[i%len(queries)]
			cut := 1 + i%len(q.Query) // a prefix, as typed
			return get(base, "/v1/suggest", url.Values{"q": {q.Query[:cut]}, "portal": {string(q.Portal)}})
		}},
		{"search", 5, func(base string, i int) (*http.Request, error) {
			q := queries[i%len(queries)]
			return get(base, "/v1/search", url.Values{"q": {q.Query}, "portal": {string(q.Portal)}})
		}},
		{"deflect", 3, func(base string, i int) (*http.Request, error) {
			d := drafts[i%len(drafts)]
			return postJSON(base, "/v1/deflect", map[string]string{"portal": string(d.Portal), "subject": d.Subject, "body": d.Body})
		}},
		{"triage", 2, func(base string, i int) (*http.Request, error) {
			d := drafts[i%len(drafts)]
			return postJSON(base, "/v1/triage", map[string]string{"portal": string(d.Portal), "org": d.Org, "subject": d.Subject, "body": d.Body})
		}},
	}, nil
}

// loadReport is what sift load measured.
type loadReport struct {
	URL               string                  `json:"url"`
	Rate              int                     `json:"rate"`
	Seconds           float64                 `json:"seconds"`
	Requests          int                     `json:"requests"`
	Errors            int                     `json:"errors"`
	RequestsPerSecond float64                 `json:"requests_per_second"`
	Latency           latencyStats            `json:"latency"`
	Endpoints         map[string]loadEndpoint `json:"endpoints"`
	FirstError        string                  `json:"first_error,omitempty"`
}

// loadEndpoint is one endpoint's share of a load run.
type loadEndpoint struct {
	Requests int          `json:"requests"`
	Errors   int          `json:"errors"`
	Latency  latencyStats `json:"latency"`
}

// driveLoad sends the mix at f.rate for f.duration, open loop: request n
// is due at n/rate seconds, sent then on a goroutine of its own.
func driveLoad(ctx context.Context, f *loadFlags, mix []loadCall, stderr io.Writer) (loadReport, error) {
	client, closeClient := loopbackClient(f.maxInFlight)
	defer closeClient()
	base := strings.TrimRight(f.url, "/")
	var schedule []int // index into mix, by weight
	for k, c := range mix {
		for range c.weight {
			schedule = append(schedule, k)
		}
	}
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(schedule), func(i, j int) { schedule[i], schedule[j] = schedule[j], schedule[i] })

	type result struct {
		call    int
		latency time.Duration
		err     error
	}
	results := make(chan result, f.maxInFlight)
	var inFlight atomic.Int64
	var sent atomic.Int64
	var wg sync.WaitGroup
	stopProgress := every(benchProgressEvery, func(elapsed time.Duration) {
		fmt.Fprintf(stderr, "load: %s requests sent (%s/s), %d waiting\n", humanInt(int(sent.Load())), humanInt(rate(int(sent.Load()), elapsed)), inFlight.Load())
	})
	collected := make(chan loadReport, 1)
	go func() {
		lat := make([][]time.Duration, len(mix))
		errs := make([]int, len(mix))
		var first string
		for r := range results {
			lat[r.call] = append(lat[r.call], r.latency)
			if r.err != nil {
				errs[r.call]++
				if first == "" {
					first = fmt.Sprintf("%s: %v", mix[r.call].name, r.err)
				}
			}
		}
		rep := loadReport{Endpoints: map[string]loadEndpoint{}, FirstError: first}
		for k, c := range mix {
			rep.Endpoints[c.name] = loadEndpoint{Requests: len(lat[k]), Errors: errs[k], Latency: summarise(lat[k])}
			rep.Requests += len(lat[k])
			rep.Errors += errs[k]
		}
		rep.Latency = summarise(slices.Concat(lat...))
		collected <- rep
	}()

	start := time.Now()
	interval := time.Second / time.Duration(f.rate)
	total := int(f.duration / interval)
	for n := 0; n < total && ctx.Err() == nil; n++ {
		if wait := time.Until(start.Add(time.Duration(n) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		call := schedule[n%len(schedule)]
		sent.Add(1)
		if inFlight.Add(1) > int64(f.maxInFlight) {
			inFlight.Add(-1)
			results <- result{call: call, err: fmt.Errorf("more than %d requests waiting: the server is not keeping up", f.maxInFlight)}
			continue
		}
		wg.Go(func() {
			defer inFlight.Add(-1)
			req, err := mix[call].request(base, n/len(schedule))
			if err != nil {
				results <- result{call: call, err: err}
				return
			}
			req = req.WithContext(ctx)
			if f.key != "" {
				req.Header.Set("Authorization", "Bearer "+f.key)
			}
			t0 := time.Now()
			err = send(client, req)
			results <- result{call: call, latency: time.Since(t0), err: err}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	close(results)
	rep := <-collected
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.URL, rep.Rate, rep.Seconds = f.url, f.rate, elapsed.Seconds()
	rep.RequestsPerSecond = float64(rep.Requests) / elapsed.Seconds()
	return rep, nil
}

// loopbackClient is the HTTP client sift load and sift bench drive a Sift
// on this machine with, keeping up to conns connections; closeIdle
// releases them.
func loopbackClient(conns int) (client *http.Client, closeIdle func()) {
	transport := &http.Transport{
		Proxy:               nil, // loopback: never through a proxy from the environment
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}, transport.CloseIdleConnections
}

// send makes one request and reads the whole answer; any status but 2xx
// is an error, with the status and the start of the answer.
func send(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
		return errors.New(resp.Status + ": " + clipBytes(body, maxErrorBody))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func printLoad(w io.Writer, rep loadReport) {
	fmt.Fprintf(w, "Load on %s: %d requests/s asked for %s, %s sent, %s/s answered\n\n",
		rep.URL, rep.Rate, fmtSeconds(rep.Seconds), humanInt(rep.Requests), humanInt(int(rep.RequestsPerSecond)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tREQUESTS\tERRORS\tP50\tP99\tMAX")
	names := make([]string, 0, len(rep.Endpoints))
	for name := range rep.Endpoints {
		names = append(names, name)
	}
	slices.Sort(names)
	row := func(name string, requests, errors int, l latencyStats) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", name, humanInt(requests), errors, fmtMicros(l.P50), fmtMicros(l.P99), fmtMicros(l.Max))
	}
	for _, name := range names {
		e := rep.Endpoints[name]
		row(name, e.Requests, e.Errors, e.Latency)
	}
	row("all", rep.Requests, rep.Errors, rep.Latency)
	tw.Flush()
	if rep.FirstError != "" {
		fmt.Fprintf(w, "\nfirst error: %s\n", rep.FirstError)
	}
}
