package sentiment

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jonreiter/govader"
)

// The labelled sets live in the repository's top-level testdata (see its README).
var (
	supportSet = filepath.Join("..", "..", "testdata", "sentiment", "support.jsonl")
	generalSet = filepath.Join("..", "..", "testdata", "sentiment", "general.jsonl")
	devSet     = filepath.Join("testdata", "dev.jsonl")
)

// readSet reads a labelled JSONL file.
func readSet(tb testing.TB, path string) []Example {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return ex
}

// vaderLabel labels text by govader's compound score with the usual ±0.05 thresholds.
func vaderLabel(v *govader.SentimentIntensityAnalyzer) func(string) string {
	return func(text string) string {
		c := v.PolarityScores(text).Compound
		switch {
		case c >= 0.05:
			return Positive
		case c <= -0.05:
			return Negative
		}
		return Neutral
	}
}

// TestCompareWithGovader runs our analyzer and govader over the same labelled sets in one
// run and logs both, side by side. Ours must beat govader on support messages by at least
// 10 macro-F1 points and stay within 2 points of it on general text.
func TestCompareWithGovader(t *testing.T) {
	a := New()
	v := govader.NewSentimentIntensityAnalyzer()
	results := map[string][2]Report{}
	for _, set := range []struct{ name, path string }{
		{"support", supportSet}, {"general", generalSet}, {"dev", devSet},
	} {
		ex := readSet(t, set.path)
		ours := Evaluate(a, ex)
		theirs := EvaluateFunc(ex, vaderLabel(v))
		results[set.name] = [2]Report{ours, theirs}
		t.Logf("%-8s n=%3d  ours: accuracy %.3f macro-F1 %.3f  |  govader: accuracy %.3f macro-F1 %.3f",
			set.name, len(ex), ours.Accuracy, ours.MacroF1, theirs.Accuracy, theirs.MacroF1)
		if os.Getenv("SIFT_SENTIMENT_VERBOSE") != "" {
			for _, e := range ex {
				r := a.Analyze(e.Text)
				if r.Label != e.Label {
					t.Logf("  want %-8s got %s  %q", e.Label, r, e.Text)
				}
			}
		}
	}
	if s := results["support"]; s[0].MacroF1 < s[1].MacroF1+0.10 {
		t.Errorf("support set: macro-F1 %.3f, want at least govader's %.3f + 0.10", s[0].MacroF1, s[1].MacroF1)
	}
	if g := results["general"]; g[0].MacroF1 < g[1].MacroF1-0.02 {
		t.Errorf("general set: macro-F1 %.3f, want at least govader's %.3f - 0.02", g[0].MacroF1, g[1].MacroF1)
	}
}

// BenchmarkCompareGovader scores the support set with both analyzers and reports their
// macro-F1 and throughput.
func BenchmarkCompareGovader(b *testing.B) {
	ex := readSet(b, supportSet)
	a := New()
	v := govader.NewSentimentIntensityAnalyzer()
	b.Run("ours", func(b *testing.B) {
		var r Report
		for b.Loop() {
			r = Evaluate(a, ex)
		}
		b.ReportMetric(r.MacroF1, "macro-F1")
		b.ReportMetric(float64(len(ex)*b.N)/b.Elapsed().Seconds(), "texts/s")
	})
	b.Run("govader", func(b *testing.B) {
		var r Report
		for b.Loop() {
			r = EvaluateFunc(ex, vaderLabel(v))
		}
		b.ReportMetric(r.MacroF1, "macro-F1")
		b.ReportMetric(float64(len(ex)*b.N)/b.Elapsed().Seconds(), "texts/s")
	})
}
