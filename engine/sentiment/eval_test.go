package sentiment

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestReadExamples(t *testing.T) {
	in := `{"text":"How do I add a user?","label":"neutral","portal":"itsm"}

{"text":"Works now, thanks!","label":"positive"}
`
	got, err := ReadExamples(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Label != Neutral || got[1].Text != "Works now, thanks!" {
		t.Errorf("ReadExamples = %+v", got)
	}
}

func TestReadExamplesErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad json", "{\"text\":\"a\",\"label\":\"neutral\"}\n\n{\"text\": oops}\n", "line 3:"},
		{"bad label", "{\"text\":\"a\",\"label\":\"neutral\"}\n{\"text\":\"b\",\"label\":\"angry\"}\n", `line 2: label "angry"`},
		{"missing text", "{\"label\":\"neutral\"}\n", `line 1: missing "text"`},
		{"not an object", "[1,2]\n", "line 1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadExamples(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadExamples: error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEvaluateFunc(t *testing.T) {
	// Gold:      neg neg neg neu neu pos
	// Predicted: neg neg neu neu pos pos
	ex := []Example{
		{"a", Negative}, {"b", Negative}, {"c", Negative},
		{"d", Neutral}, {"e", Neutral}, {"f", Positive},
	}
	pred := map[string]string{"a": Negative, "b": Negative, "c": Neutral, "d": Neutral, "e": Positive, "f": Positive}
	r := EvaluateFunc(ex, func(s string) string { return pred[s] })

	if r.Examples != 6 || math.Abs(r.Accuracy-4.0/6) > 1e-9 {
		t.Errorf("examples %d accuracy %v, want 6 and 0.667", r.Examples, r.Accuracy)
	}
	want := [][]int{{2, 1, 0}, {0, 1, 1}, {0, 0, 1}}
	for i := range want {
		for j := range want[i] {
			if r.Confusion[i][j] != want[i][j] {
				t.Fatalf("confusion = %v, want %v", r.Confusion, want)
			}
		}
	}
	// negative: P 1, R 2/3, F1 0.8; neutral: P 1/2, R 1/2, F1 1/2; positive: P 1/2, R 1, F1 2/3.
	f1 := []float64{0.8, 0.5, 2.0 / 3}
	for i, c := range r.Classes {
		if math.Abs(c.F1-f1[i]) > 1e-9 {
			t.Errorf("%s F1 = %v, want %v", c.Label, c.F1, f1[i])
		}
	}
	if macro := (0.8 + 0.5 + 2.0/3) / 3; math.Abs(r.MacroF1-macro) > 1e-9 {
		t.Errorf("macro-F1 = %v, want %v", r.MacroF1, macro)
	}
	if r.Classes[0].Support != 3 || r.Classes[2].Support != 1 {
		t.Errorf("supports %d %d, want 3 1", r.Classes[0].Support, r.Classes[2].Support)
	}
}

func TestEvaluateFuncOddLabels(t *testing.T) {
	ex := []Example{{"a", Negative}, {"b", "mixed"}}
	r := EvaluateFunc(ex, func(string) string { return "unknown" })
	if r.Examples != 1 || r.Accuracy != 0 || r.Classes[0].Support != 1 || r.Classes[0].Recall != 0 {
		t.Errorf("report %+v: want one example, counted wrong", r)
	}
	if r := EvaluateFunc(nil, nil); r.Examples != 0 || r.MacroF1 != 0 {
		t.Errorf("empty report %+v", r)
	}
}

func TestEvaluateAndFormat(t *testing.T) {
	ex := []Example{
		{"How do I add a user?", Neutral},
		{"Works now, thanks so much!", Positive},
		{"Third time this week. Unacceptable.", Negative},
	}
	r := Evaluate(New(), ex)
	if r.Accuracy != 1 || r.MacroF1 != 1 {
		t.Errorf("Evaluate = %+v, want a perfect score", r)
	}
	var buf bytes.Buffer
	if err := r.Format(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"accuracy", "1.000", "macro-F1", "precision", "recall", "support", "expected \\ predicted", "negative", "neutral", "positive"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format output lacks %q:\n%s", want, out)
		}
	}
}

func FuzzReadExamples(f *testing.F) {
	f.Add(`{"text":"a","label":"neutral"}` + "\n")
	f.Add("\n\n{}\n")
	f.Add(`{"text":"x","label":"positive","portal":"itsm"}` + "\n" + `{"text":1}`)
	f.Fuzz(func(t *testing.T, in string) {
		ex, err := ReadExamples(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q does not name a line", err)
			}
			return
		}
		for _, e := range ex {
			if labelIndex(e.Label) < 0 || strings.TrimSpace(e.Text) == "" {
				t.Errorf("accepted invalid example %+v", e)
			}
		}
	})
}
