package sentiment

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// lexiconTSV holds the valence lexicon: "term<TAB>valence" lines; see the file's header.
//
//go:embed lexicon.tsv
var lexiconTSV string

// signalsTSV holds the support-signal phrases: "kind<TAB>phrase<TAB>weight[<TAB>neg]".
//
//go:embed signals.tsv
var signalsTSV string

// phrase is a multi-token lexicon or signal entry.
type phrase struct {
	term    string   // as written in the file
	tokens  []string // canonical tokens
	valence float64  // lexicon valence, or signal weight
	kind    string   // signal kind; empty for lexicon phrases
	needNeg bool     // signal counts only in a negative sentence or when shouted
}

// phraseIndex finds phrases by their first token; each bucket is sorted longest first.
type phraseIndex map[string][]*phrase

func (ix phraseIndex) add(p *phrase) {
	ix[p.tokens[0]] = append(ix[p.tokens[0]], p)
}

func (ix phraseIndex) sort() {
	for _, b := range ix {
		sort.SliceStable(b, func(i, j int) bool { return len(b[i].tokens) > len(b[j].tokens) })
	}
}

// longest returns the longest phrase of the index that starts at toks[i], staying inside
// one sentence, or nil. With kind set, only phrases of that kind are considered.
func (ix phraseIndex) longest(toks []token, i int, kind string) *phrase {
	var best *phrase
	for _, f := range toks[i].forms {
		for _, p := range ix[f] {
			if kind != "" && p.kind != kind {
				continue
			}
			if best != nil && len(p.tokens) <= len(best.tokens) {
				break
			}
			if matchAt(toks, i, p.tokens) {
				best = p
				break
			}
		}
	}
	return best
}

// matchAt reports whether the canonical tokens pat occur at toks[i:], in one sentence.
func matchAt(toks []token, i int, pat []string) bool {
	if i+len(pat) > len(toks) {
		return false
	}
	for k, want := range pat {
		t := toks[i+k]
		if t.sentence != toks[i].sentence || !slices.Contains(t.forms, want) {
			return false
		}
	}
	return true
}

// lexicon is the parsed, read-only data every Analyzer shares.
type lexicon struct {
	words   map[string]float64 // single-token terms, emoticons and emoji
	phrases phraseIndex        // multi-token valence terms
	signals phraseIndex        // support-signal phrases, one or more tokens
	size    int                // number of lexicon entries
}

// loadLexicon parses the embedded files once; a malformed file is a programming error.
var loadLexicon = sync.OnceValue(func() *lexicon {
	lx, err := parseLexicon(lexiconTSV, signalsTSV)
	if err != nil {
		panic("sentiment: embedded data: " + err.Error())
	}
	return lx
})

// parseLexicon parses the lexicon and signal files.
func parseLexicon(lexText, sigText string) (*lexicon, error) {
	lx := &lexicon{words: map[string]float64{}, phrases: phraseIndex{}, signals: phraseIndex{}}
	seen := map[string]bool{}
	err := eachLine(lexText, func(n int, fields []string) error {
		if len(fields) != 2 {
			return fmt.Errorf("lexicon.tsv line %d: want term<TAB>valence, got %d fields", n, len(fields))
		}
		term := strings.TrimSpace(fields[0])
		v, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
		if err != nil || v < -4 || v > 4 {
			return fmt.Errorf("lexicon.tsv line %d: valence %q is not a number in [-4, 4]", n, fields[1])
		}
		if seen[term] {
			return fmt.Errorf("lexicon.tsv line %d: %q listed twice", n, term)
		}
		seen[term] = true
		lx.size++
		toks := termTokens(term)
		switch len(toks) {
		case 0:
			return fmt.Errorf("lexicon.tsv line %d: empty term", n)
		case 1:
			lx.words[toks[0]] = v
		default:
			lx.phrases.add(&phrase{term: term, tokens: toks, valence: v})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(sigText, func(n int, fields []string) error {
		if len(fields) != 3 && len(fields) != 4 {
			return fmt.Errorf("signals.tsv line %d: want kind<TAB>phrase<TAB>weight[<TAB>neg]", n)
		}
		kind := strings.TrimSpace(fields[0])
		if kind != Frustration && kind != Urgency && kind != ChurnRisk {
			return fmt.Errorf("signals.tsv line %d: unknown kind %q", n, kind)
		}
		w, err := strconv.ParseFloat(strings.TrimSpace(fields[2]), 64)
		if err != nil || w <= 0 || w > 1 {
			return fmt.Errorf("signals.tsv line %d: weight %q is not in (0, 1]", n, fields[2])
		}
		needNeg := false
		if len(fields) == 4 {
			if strings.TrimSpace(fields[3]) != "neg" {
				return fmt.Errorf("signals.tsv line %d: fourth field must be \"neg\"", n)
			}
			needNeg = true
		}
		term := strings.TrimSpace(fields[1])
		toks := termTokens(term)
		if len(toks) == 0 {
			return fmt.Errorf("signals.tsv line %d: empty phrase", n)
		}
		lx.signals.add(&phrase{term: term, tokens: toks, valence: w, kind: kind, needNeg: needNeg})
		return nil
	})
	if err != nil {
		return nil, err
	}
	lx.phrases.sort()
	lx.signals.sort()
	return lx, nil
}

// eachLine calls fn with the tab-separated fields of every line that is not blank or a
// comment, numbering lines from 1.
func eachLine(text string, fn func(n int, fields []string) error) error {
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(n+1, strings.Split(line, "\t")); err != nil {
			return err
		}
	}
	return nil
}

// termTokens splits a lexicon term into canonical tokens. Emoticons and emoji stay whole.
func termTokens(term string) []string {
	term = strings.ReplaceAll(term, "\uFE0F", "")
	var out []string
	for _, f := range strings.Fields(term) {
		if f == "xD" || strings.ContainsAny(f, ":;=<>") || !isWordRune([]rune(f)[0]) {
			out = append(out, f)
			continue
		}
		out = append(out, strings.ToLower(f))
	}
	return out
}

// value returns the valence of a single token, trying its inflected forms.
func (lx *lexicon) value(t token) (float64, bool) {
	for _, f := range t.forms {
		if v, ok := lx.words[f]; ok {
			return v, true
		}
	}
	return 0, false
}

// hasForm reports whether word w, or one of its simple inflectional bases, equals base.
func hasForm(w, base string) bool {
	if w == base {
		return true
	}
	for _, f := range forms(w)[1:] {
		if f == base {
			return true
		}
	}
	return false
}

// forms returns w followed by candidate base forms: plural and verb endings stripped
// ("crashes", "annoyed", "waiting", "stopped", "replies", "horribly"), and letters
// stretched for emphasis collapsed ("sooo", "pleeease"). Candidates shorter than three
// letters are left out, so "used" never becomes "us".
func forms(w string) []string {
	out := []string{w}
	add := func(s string) {
		if len(s) >= 3 {
			out = append(out, s)
		}
	}
	n := len(w)
	switch {
	case n > 4 && (strings.HasSuffix(w, "ies") || strings.HasSuffix(w, "ied")):
		add(w[:n-3] + "y")
	case n > 4 && strings.HasSuffix(w, "ed"):
		addStem(add, w[:n-2])
	case n > 5 && strings.HasSuffix(w, "ing"):
		addStem(add, w[:n-3])
	case n > 4 && strings.HasSuffix(w, "ly"):
		b := w[:n-2]
		add(b)
		switch {
		case strings.HasSuffix(b, "i"):
			add(b[:len(b)-1] + "y")
		case strings.HasSuffix(b, "b"): // "horribly" -> "horrible"
			add(b + "le")
		}
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		add(w[:n-1])
		if n > 4 && strings.HasSuffix(w, "es") {
			add(w[:n-2])
		}
	}
	if c2 := collapseRuns(w, 2); c2 != w {
		out = append(out, c2)
		if c1 := collapseRuns(w, 1); c1 != c2 {
			out = append(out, c1)
		}
	}
	return out
}

// undouble drops a doubled final consonant ("stopp" -> "stop", "cancell" -> "cancel").
func undouble(b string) string {
	n := len(b)
	if n >= 3 && b[n-1] == b[n-2] && !strings.ContainsRune("aeiou", rune(b[n-1])) {
		return b[:n-1]
	}
	return b
}

// collapseRuns shortens runs of three or more equal letters to max letters.
func collapseRuns(w string, max int) string {
	r := []rune(w)
	out := make([]rune, 0, len(r))
	run := 0
	for i, c := range r {
		if i > 0 && c == r[i-1] {
			run++
		} else {
			run = 1
		}
		if run <= max {
			out = append(out, c)
		}
	}
	// Runs of exactly two letters are spelling ("good", "all"); only collapse when some
	// run was three or longer.
	if !hasRun(r, 3) {
		return w
	}
	return string(out)
}

// hasRun reports whether r holds n equal runes in a row.
func hasRun(r []rune, n int) bool {
	run := 0
	for i, c := range r {
		if i > 0 && c == r[i-1] {
			run++
		} else {
			run = 1
		}
		if run >= n {
			return true
		}
	}
	return false
}

// addStem adds the forms a verb stem left by "-ed" or "-ing" may have had:
// as is ("work"), with a silent e ("close"), and undoubled ("stop").
func addStem(add func(string), b string) {
	add(b)
	add(b + "e")
	if u := undouble(b); u != b {
		add(u)
	}
}
