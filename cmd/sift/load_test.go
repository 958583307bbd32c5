package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLoadOnTheDemo serves the demo corpus and drives it with sift load
// at 40 requests/s: suggest, search, deflect and triage together, with
// zero errors as the bar. It runs SIFT_LOAD_SECONDS seconds (5 unless
// set; CI sets 60).
func TestLoadOnTheDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("a timed load run; skipped with -short")
	}
	seconds := 5
	if s := os.Getenv("SIFT_LOAD_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SIFT_LOAD_SECONDS=%q: want a whole number of seconds", s)
		}
		seconds = n
	}
	corpus := filepath.Join("..", "..", "testdata", "demo")
	base, keys, stop := startSift(t, "demo", "--addr", "127.0.0.1:0", "--corpus", corpus, "--seed-events=false")
	defer stop()
	stdout, stderr, code := runSift(t, nil, "load", "--url", base, "--rate", "40", "--duration", strconv.Itoa(seconds)+"s",
		"--corpus", corpus, "--key", keys["agent"], "--json")
	if code != 0 {
		t.Fatalf("sift load: exit %d\n%s%s", code, stdout, stderr)
	}
	at := strings.LastIndex(stdout, `{"url"`)
	if at < 0 {
		t.Fatalf("no JSON report:\n%s", stdout)
	}
	t.Logf("\n%s", stdout[:at])
	var rep loadReport
	if err := json.Unmarshal([]byte(stdout[at:]), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, stdout)
	}
	if want := 40 * seconds; rep.Requests < want*9/10 || rep.Errors != 0 {
		t.Errorf("%d requests, %d errors; want about %d and none", rep.Requests, rep.Errors, want)
	}
	for _, name := range []string{"suggest", "search", "deflect", "triage"} {
		if e := rep.Endpoints[name]; e.Requests == 0 || e.Latency.P99 <= 0 {
			t.Errorf("%s: %+v; want requests with latencies", name, e)
		}
	}
}

func TestLoadOnlyOnLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "http://192.168.1.2"} {
		_, stderr, code := runSift(t, nil, "load", "--url", u, "--duration", "1s")
		if code == 0 || !strings.Contains(stderr, "loopback") {
			t.Errorf("sift load --url %s: exit %d, %q; want refused as not loopback", u, code, stderr)
		}
	}
}
