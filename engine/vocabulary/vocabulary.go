// Package vocabulary makes a query find articles that say the same thing
// in other words: "cant login" finds "Account locked after too many
// sign-in attempts", "guest wifi" finds "Guest Wi-Fi for visitors".
//
// A vocabulary is groups of equivalent words and phrases (support.txt is
// the built-in one, small and reviewed). Rewrite finds the phrases of a
// query, longest first, and returns the query with each replaced by each
// of its equivalents; type-ahead runs the rewritten queries beside the
// original, and full-text search matches the equivalents as phrases at a
// lower weight. Everything happens on the query side, so nothing is
// re-indexed when the vocabulary changes.
//
// Measure it with sift eval search and sift eval suggest: with the
// built-in vocabulary, no judged query of testdata/eval scores lower than
// without it (TestVocabularyHurtsNoQuery in cmd/sift).
package vocabulary

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:embed support.txt
var supportText string

// Limits of a vocabulary, so a query's rewrites stay few and cheap.
const (
	MaxPhraseWords = 4  // words in one member
	MaxGroup       = 12 // members in one group
	MaxRewrites    = 8  // rewritten queries Rewrite returns
)

// Vocabulary is a set of groups of equivalent phrases. The zero value is
// empty. It is safe for concurrent use once built.
type Vocabulary struct {
	groups [][]string          // members, as normalised words joined by spaces
	oneWay []bool              // by group: only the first member leads into it
	byHead map[string][]member // first word of a member to the members it starts
}

// member is one phrase of a group.
type member struct {
	words []string
	group int
}

// Support returns the built-in support vocabulary.
func Support() *Vocabulary {
	v, err := Parse(strings.NewReader(supportText))
	if err != nil {
		panic("vocabulary: support.txt: " + err.Error()) // a test reads it
	}
	return v
}

// Parse reads a vocabulary: one group a line, members separated by commas;
// blank lines and lines starting with # are skipped. A bad line is an
// error naming it.
func Parse(r io.Reader) (*Vocabulary, error) {
	v := &Vocabulary{byHead: map[string][]member{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := v.add(strings.Split(text, ",")); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	return v, sc.Err()
}

// add adds a group of phrases.
func (v *Vocabulary) add(phrases []string) error {
	if len(phrases) < 2 || len(phrases) > MaxGroup {
		return fmt.Errorf("a group needs 2 to %d members, got %d", MaxGroup, len(phrases))
	}
	g := len(v.groups)
	var members []string
	for _, p := range phrases {
		words := Words(p)
		switch {
		case len(words) == 0:
			return fmt.Errorf("member %q has no words", strings.TrimSpace(p))
		case len(words) > MaxPhraseWords:
			return fmt.Errorf("member %q has %d words, at most %d allowed", strings.TrimSpace(p), len(words), MaxPhraseWords)
		}
		members = append(members, strings.Join(words, " "))
		v.byHead[words[0]] = append(v.byHead[words[0]], member{words, g})
	}
	v.groups = append(v.groups, members)
	v.oneWay = append(v.oneWay, false)
	return nil
}

// Words splits text as the vocabulary reads it: lower-case words of
// letters and digits, accents folded, apostrophes dropped ("can't" is
// "cant") and anything else separating words ("wi-fi" is "wi fi").
func Words(text string) []string {
	if !isASCII(text) {
		text = norm.NFD.String(text) // accents as marks, to drop
	}
	var b strings.Builder
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// isASCII reports whether s is all ASCII, which decomposition leaves as
// it is.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Rewrite returns the query's words with one phrase of the vocabulary
// replaced by one of its equivalents, for every phrase found (longest
// first, not overlapping) and every equivalent, at most MaxRewrites; and
// the equivalents themselves, each once. Both are empty when the query
// holds no phrase of the vocabulary.
func (v *Vocabulary) Rewrite(words []string) (rewrites [][]string, equivalents []string) {
	if v == nil || len(v.byHead) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	for i := 0; i < len(words); {
		m, ok := v.longestAt(words, i)
		if !ok {
			i++
			continue
		}
		found := strings.Join(m.words, " ")
		for _, eq := range v.groups[m.group] {
			if eq == found {
				continue
			}
			if len(rewrites) < MaxRewrites {
				rewrite := append(append(append([]string{}, words[:i]...), strings.Fields(eq)...), words[i+len(m.words):]...)
				rewrites = append(rewrites, rewrite)
			}
			if !seen[eq] {
				seen[eq] = true
				equivalents = append(equivalents, eq)
			}
		}
		i += len(m.words)
	}
	return rewrites, equivalents
}

// longestAt returns the longest member that words holds from position i.
func (v *Vocabulary) longestAt(words []string, i int) (member, bool) {
	var best member
	found := false
	for _, m := range v.byHead[words[i]] {
		if len(m.words) > len(best.words) && i+len(m.words) <= len(words) && slices.Equal(m.words, words[i:i+len(m.words)]) {
			best, found = m, true
		}
	}
	return best, found
}

// Rule is a group a team adds to a vocabulary: with Input, a one-way
// group (Input also finds Phrases, they do not find it); without, every
// phrase stands for every other.
type Rule struct {
	Input   string
	Phrases []string
}

// With returns a copy of v with the rules added after its own groups, or
// an error naming the first rule (by its index) the vocabulary cannot
// hold.
func (v *Vocabulary) With(rules []Rule) (*Vocabulary, error) {
	w := &Vocabulary{byHead: map[string][]member{}}
	if v != nil {
		for g := range v.groups {
			w.copyGroup(v, g)
		}
	}
	for i, r := range rules {
		var err error
		if r.Input == "" {
			err = w.add(r.Phrases)
		} else {
			err = w.addOneWay(r.Input, r.Phrases)
		}
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
	}
	return w, nil
}

// copyGroup adds group g of v, which v holds and so is valid.
func (w *Vocabulary) copyGroup(v *Vocabulary, g int) {
	if members := v.groups[g]; v.oneWay[g] {
		w.addOneWay(members[0], slices.Clone(members[1:]))
	} else {
		w.add(slices.Clone(members))
	}
}

// addOneWay adds a group that only input leads into.
func (v *Vocabulary) addOneWay(input string, phrases []string) error {
	if err := v.add(append([]string{input}, phrases...)); err != nil {
		return err
	}
	g := len(v.groups) - 1
	v.oneWay[g] = true
	head := v.groups[g][0]
	for w, members := range v.byHead {
		kept := members[:0]
		for _, m := range members {
			if m.group != g || strings.Join(m.words, " ") == head {
				kept = append(kept, m)
			}
		}
		v.byHead[w] = kept
	}
	return nil
}

// Groups returns the vocabulary's groups, each member as its normalised
// words joined by spaces.
func (v *Vocabulary) Groups() [][]string {
	out := make([][]string, len(v.groups))
	for i, g := range v.groups {
		out[i] = slices.Clone(g)
	}
	return out
}

// Without returns a copy of the vocabulary without group i.
func (v *Vocabulary) Without(i int) *Vocabulary {
	w := &Vocabulary{byHead: map[string][]member{}}
	for j := range v.groups {
		if j != i {
			w.copyGroup(v, j)
		}
	}
	return w
}
