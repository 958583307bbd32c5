package typeahead

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"golang.org/x/text/unicode/norm"
)

// Tokens splits text into lower-case words with accents removed. A word is
// a run of letters and digits; everything else separates words.
func Tokens(text string) []string {
	return strings.FieldsFunc(fold(text), separates)
}

// separates reports whether r separates words: it is neither a letter
// nor a digit.
func separates(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// EndsInWord reports whether text ends in a letter or digit: a word still
// being typed, which Search completes as a prefix.
func EndsInWord(text string) bool {
	last, _ := utf8.DecodeLastRuneInString(text)
	return !separates(last)
}

// fold lower-cases s and strips combining marks (é becomes e).
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// maxEdits is the typo budget for a word or prefix: none below four
// letters, one from four, two from eight, and none for words with digits
// (error codes, versions, order numbers), which are typed exactly.
func maxEdits(word []rune) int {
	n := len(word)
	for _, r := range word {
		if unicode.IsDigit(r) {
			return 0
		}
	}
	switch {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// stopwords are words that carry no meaning in a search box. A query word
// that is a stopword is optional: it adds to the score when it matches but
// does not exclude titles that lack it.
var stopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true,
	"by": true, "can": true, "do": true, "does": true, "for": true, "from": true, "how": true,
	"i": true, "if": true, "in": true, "is": true, "it": true, "my": true, "of": true,
	"on": true, "or": true, "the": true, "to": true, "what": true, "when": true,
	"where": true, "why": true, "with": true, "you": true, "your": true, "me": true,
	"we": true, "our": true, "not": true, "t": true, "s": true,
	// Negations, written without their apostrophe ("cant login"): they
	// say something is wrong, not what.
	"cant": true, "cannot": true, "dont": true, "doesnt": true, "didnt": true,
	"wont": true, "isnt": true, "unable": true,
}

// stem returns the English stem of a folded word ("resetting" becomes
// "reset", "charged" and "charges" become "charg"), or the word itself
// when it has digits or fewer than four letters.
func stem(w string) string {
	if len(w) < 4 || strings.ContainsFunc(w, unicode.IsDigit) {
		return w
	}
	env := snowballstem.NewEnv(w)
	english.Stem(env)
	return env.Current()
}

// indexWords returns the words an entry is found by: each word of text
// (as Tokens splits it), and the joined form of hyphenated words ("wi-fi"
// adds "wifi", "e-423" adds "e423"), so that a query in either spelling
// matches. (Other word forms match through the index's stems.)
func indexWords(text string) []string {
	var out []string
	for _, field := range strings.Fields(fold(text)) {
		out = append(out, strings.FieldsFunc(field, separates)...)
		if joined := joinHyphenated(field); joined != "" {
			out = append(out, joined)
		}
	}
	return out
}

// joinHyphenated returns the letters and digits of a field whose words are
// joined by single hyphens ("wi-fi", "sign-in", "e-423"), or "" when it
// is not such a field.
func joinHyphenated(field string) string {
	field = strings.TrimFunc(field, separates)
	parts := strings.Split(field, "-")
	if len(parts) < 2 {
		return ""
	}
	for _, p := range parts {
		if p == "" || strings.ContainsFunc(p, separates) {
			return ""
		}
	}
	return strings.Join(parts, "")
}
