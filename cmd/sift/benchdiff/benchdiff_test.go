package benchdiff

import (
	"strconv"
	"strings"
	"testing"
)

// report is a small bench report: index and HTTP phases, classifiers, a
// target, with the values given.
func report(t *testing.T, articles int, perSecond, p99, accuracy float64, errors int) Run {
	t.Helper()
	r, err := Parse([]byte(strings.NewReplacer(
		"ARTICLES", itoa(articles), "RATE", ftoa(perSecond), "P99", ftoa(p99), "ACC", ftoa(accuracy), "ERRORS", itoa(errors),
	).Replace(`{
		"articles": ARTICLES, "seed": 1, "platform": "linux/amd64", "load_average_start": 2.5, "load_average_end": 3.5,
		"index": {"embedder": "none", "seconds": 3.3, "articles_per_second": RATE},
		"http": {"concurrency": 16, "requests": 61712, "errors": ERRORS, "latency": {"calls": 61712, "p99_us": P99}},
		"triage": {"classifiers": [{"field": "category", "examples": 3000, "held_out_accuracy": ACC}]},
		"targets": [{"name": "type-ahead p99", "measured": "353us", "pass": true}]
	}`)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func itoa(n int) string     { return strconv.Itoa(n) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestParse(t *testing.T) {
	r := report(t, 20000, 6000, 9000, 0.87, 0)
	want := map[string]float64{
		"index.seconds": 3.3, "index.articles_per_second": 6000, "http.errors": 0, "http.latency.p99_us": 9000,
		"triage.classifiers.category.held_out_accuracy": 0.87,
	}
	if len(r.Measures) != len(want) {
		t.Errorf("measures %v, want %v", r.Measures, want)
	}
	for k, v := range want {
		if r.Measures[k] != v {
			t.Errorf("%s = %v, want %v (measures %v)", k, r.Measures[k], v, r.Measures)
		}
	}
	if r.Load != 3.5 {
		t.Errorf("load %v, want 3.5, the higher of the start's and the end's", r.Load)
	}
	for _, k := range []string{"articles", "seed", "platform", "index.embedder", "http.concurrency"} {
		if _, ok := r.Settings[k]; !ok {
			t.Errorf("setting %s missing: %v", k, r.Settings)
		}
	}
	for _, bad := range []string{"", "[]", "{}", `{"articles": 3}`, "{"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestNoise(t *testing.T) {
	runs := []Run{report(t, 20000, 6000, 9000, 0.87, 0), report(t, 20000, 5000, 12000, 0.87, 0), report(t, 20000, 5500, 6000, 0.87, 0)}
	noise, err := Noise(runs)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"index.articles_per_second": 1.2, "http.latency.p99_us": 2, "index.seconds": 1} {
		if got := noise[k]; got < want-1e-9 || got > want+1e-9 {
			t.Errorf("noise of %s %v, want %v", k, got, want)
		}
	}
	if _, ok := noise["http.errors"]; ok {
		t.Error("noise of errors (zero in every run), want none")
	}
	if _, err := Noise(runs[:1]); err == nil {
		t.Error("noise of one run, want an error")
	}
	if _, err := Noise(append(runs, report(t, 100000, 6000, 9000, 0.87, 0))); err == nil || !strings.Contains(err.Error(), "articles 20000, then 100000") {
		t.Errorf("noise over runs of other sizes: %v, want an error naming the setting", err)
	}
}

func TestCompare(t *testing.T) {
	noise := map[string]float64{"index.articles_per_second": 1.2, "http.latency.p99_us": 2}
	old := report(t, 20000, 6000, 9000, 0.87, 0)
	for _, tc := range []struct {
		name string
		new  Run
		want map[string]Verdict // the rest Same
	}{
		{"the same run", old, nil},
		{"within the noise", report(t, 20000, 5100, 17000, 0.87, 0), nil},
		{"a slower rate beyond its noise", report(t, 20000, 4900, 9000, 0.87, 0), map[string]Verdict{"index.articles_per_second": Regression}},
		{"a p99 beyond its noise", report(t, 20000, 6000, 18500, 0.87, 0), map[string]Verdict{"http.latency.p99_us": Regression}},
		{"faster beyond the noise", report(t, 20000, 7500, 4000, 0.87, 0),
			map[string]Verdict{"index.articles_per_second": Improved, "http.latency.p99_us": Improved}},
		{"accuracy down beyond the floor", report(t, 20000, 6000, 9000, 0.70, 0), map[string]Verdict{"triage.classifiers.category.held_out_accuracy": Regression}},
		{"accuracy down within the floor", report(t, 20000, 6000, 9000, 0.86, 0), nil},
		{"an error where there was none", report(t, 20000, 6000, 9000, 0.87, 1), map[string]Verdict{"http.errors": Regression}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := Compare(old, tc.new, noise, 1.1)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != len(old.Measures) {
				t.Errorf("%d changes, want one a measure (%d)", len(changes), len(old.Measures))
			}
			for _, c := range changes {
				if c.Verdict != tc.want[c.Name] {
					t.Errorf("%s: %q (%v -> %v, worse x%.2f, threshold x%.2f), want %q", c.Name, c.Verdict, c.Old, c.New, c.Worse, c.Threshold, tc.want[c.Name])
				}
				if c.Threshold < 1.1 {
					t.Errorf("%s: threshold %v below the floor", c.Name, c.Threshold)
				}
			}
		})
	}
	if _, err := Compare(old, report(t, 100000, 6000, 9000, 0.87, 0), noise, 1.1); err == nil {
		t.Error("runs of other sizes compared, want an error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"articles": 1, "index": {"seconds": 2}, "targets": [{"name": "x", "pass": true}]}`))
	f.Add([]byte(`{"a": [1, {"field": "f", "p99_us": -1}, [2]], "b": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		if len(r.Measures) == 0 {
			t.Error("parsed a report with no measures")
		}
		if _, err := Compare(r, r, nil, 1.1); err != nil {
			t.Errorf("a run compared with itself: %v", err)
		}
	})
}
