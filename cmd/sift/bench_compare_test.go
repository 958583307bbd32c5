package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchHistory is the committed bench history: samples and the repeated
// runs that measure this machine's noise.
const benchHistory = "../../testdata/bench"

// TestBenchCompare compares the committed sample with itself and with a
// copy in which a latency and a rate are a hundred times worse (beyond
// any noise this machine shows) and an error appeared: only the copy's
// three changes are flagged.
func TestBenchCompare(t *testing.T) {
	samples, _ := filepath.Glob(filepath.Join(benchHistory, "*.json"))
	if len(samples) == 0 {
		t.Fatalf("no sample in %s", benchHistory)
	}
	sample := samples[len(samples)-1]
	noise := filepath.Join(benchHistory, "noise", "*.json")
	compare := func(old, new string, extra ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append(append([]string{"bench", "compare", "--noise", noise}, extra...), old, new), &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := compare(sample, sample); code != 0 || !strings.Contains(out, " 0 regressed, 0 improved") {
		t.Errorf("the sample against itself: exit %d\n%s", code, out)
	}

	var rep map[string]any
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	triage := rep["triage"].(map[string]any)
	inProcess := triage["in_process"].(map[string]any)
	inProcess["p99_us"] = 100 * inProcess["p99_us"].(float64)
	index := rep["index"].(map[string]any)
	index["articles_per_second"] = index["articles_per_second"].(float64) / 100
	http := rep["http"].(map[string]any)
	http["errors"] = 1.0
	slower := filepath.Join(t.TempDir(), "slower.json")
	writeJSONFile(t, slower, rep)
	code, out := compare(sample, slower)
	if code != 1 || !strings.Contains(out, " 3 regressed") {
		t.Errorf("a slower copy: exit %d, want 1 and 3 regressions\n%s", code, out)
	}
	for _, name := range []string{"triage.in_process.p99_us", "index.articles_per_second", "http.errors"} {
		if !strings.Contains(out, name) {
			t.Errorf("the slower copy's report lacks %s:\n%s", name, out)
		}
	}
	if code, out := compare(slower, sample); code != 0 || !strings.Contains(out, " 3 improved") {
		t.Errorf("back from the slower copy: exit %d, want 0 and 3 improvements\n%s", code, out)
	}

	rep["load_average_end"] = 4 * rep["load_average_end"].(float64)
	busier := filepath.Join(t.TempDir(), "busier.json")
	writeJSONFile(t, busier, rep)
	if code, out := compare(sample, busier); code != 1 || !strings.Contains(out, "note: the load average was") {
		t.Errorf("a run on a busier machine: exit %d, want 1 and a note on the load\n%s", code, out)
	}
	if _, out := compare(sample, sample); strings.Contains(out, "note:") {
		t.Errorf("the sample against itself: a note on the load\n%s", out)
	}

	rep["articles"] = rep["articles"].(float64) * 2
	bigger := filepath.Join(t.TempDir(), "bigger.json")
	writeJSONFile(t, bigger, rep)
	if code, out := compare(sample, bigger); code != 1 || !strings.Contains(out, "not comparable") {
		t.Errorf("runs of other sizes: exit %d, want 1 and why\n%s", code, out)
	}
	if code, out := compare(sample, sample, "--noise", filepath.Join(t.TempDir(), "*.json")); code != 1 || !strings.Contains(out, "noise needs 2 runs") {
		t.Errorf("no noise runs: exit %d, want 1 and why\n%s", code, out)
	}
}

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
