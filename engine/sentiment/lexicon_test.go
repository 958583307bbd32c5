package sentiment

import (
	"strings"
	"testing"
)

func TestEmbeddedData(t *testing.T) {
	a := New()
	if n := a.LexiconSize(); n < 300 {
		t.Errorf("lexicon has %d entries, want a few hundred", n)
	}
	if New().lx != a.lx {
		t.Error("New parsed the lexicon again; want it shared")
	}
}

// TestSignalPhrasesMatchThemselves checks that every signal phrase, written out as text,
// is found: a phrase whose canonical form the tokenizer can never produce is dead data.
func TestSignalPhrasesMatchThemselves(t *testing.T) {
	a := New()
	for _, bucket := range a.lx.signals {
		for _, p := range bucket {
			text := strings.Join(p.tokens, " ")
			if p.needNeg {
				text = "This is awful, " + text
			}
			found := false
			for _, s := range a.Analyze(text).Signals {
				found = found || s.Kind == p.kind
			}
			if !found {
				t.Errorf("signals.tsv %s %q: not found in %q", p.kind, p.term, text)
			}
		}
	}
}

// TestSignalPhrasesAreNegative keeps the two data files consistent: a frustration or churn
// phrase that counts anywhere expresses a negative attitude, so on its own it must score
// negative.
func TestSignalPhrasesAreNegative(t *testing.T) {
	a := New()
	for _, bucket := range a.lx.signals {
		for _, p := range bucket {
			if p.kind == Urgency || p.needNeg {
				continue
			}
			text := strings.Join(p.tokens, " ")
			if r := a.Analyze(text); r.Score >= 0 {
				t.Errorf("signals.tsv %s %q scores %v alone; give it a negative valence in lexicon.tsv", p.kind, p.term, r.Score)
			}
		}
	}
}

func TestParseLexiconErrors(t *testing.T) {
	tests := []struct {
		name, lex, sig, want string
	}{
		{"fields", "good\n", "", "lexicon.tsv line 1: want term<TAB>valence"},
		{"number", "# c\ngood\tvery\n", "", "lexicon.tsv line 2: valence"},
		{"range", "good\t5\n", "", "not a number in [-4, 4]"},
		{"duplicate", "good\t1\ngood\t2\n", "", `line 2: "good" listed twice`},
		{"kind", "good\t1\n", "anger\tfed up\t0.5\n", `unknown kind "anger"`},
		{"weight", "good\t1\n", "urgency\tasap\t2\n", "weight"},
		{"flag", "good\t1\n", "urgency\tasap\t0.5\tpos\n", `fourth field must be "neg"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseLexicon(tc.lex, tc.sig)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseLexicon: error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := parseLexicon("good\t1.5\r\n\r\n# comment\nnot work\t-1\n:)\t1\n", "urgency\tasap\t0.6\nfrustration\tagain\t0.3\tneg\n"); err != nil {
		t.Errorf("valid data: %v", err)
	}
}
