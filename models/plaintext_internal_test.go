package models

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestPlainTextSkipsOnlyWhatCannotMatch checks that PlainText, which runs
// each rewrite only where its mark can be, gives what running them all
// gives, on random text made of Markdown's marks.
func TestPlainTextSkipsOnlyWhatCannotMatch(t *testing.T) {
	mdEmphasis := regexp.MustCompile("(\\*\\*|__|\\*|`{1,3})") // what emphasis removes
	every := func(s string) string {
		s = mdImage.ReplaceAllString(s, "$1")
		s = mdLink.ReplaceAllString(s, "$1")
		s = mdRule.ReplaceAllString(s, "")
		s = mdLineMark.ReplaceAllString(s, "")
		s = mdEmphasis.ReplaceAllString(s, "")
		return strings.TrimSpace(s)
	}
	pieces := []string{"a", "word", " ", "  ", "\n", "\t", "\r", "#", "# ", ">", "- ", "* ", "+ ", "1. ", "2) ", "*", "**", "_", "__", "`", "```",
		"---", "***", "___", "[", "]", "(", ")", "](", "![", "x.com", "9"}
	r := rand.New(rand.NewPCG(7, 11))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if s := b.String(); PlainText(s) != every(s) {
			t.Fatalf("PlainText(%q) = %q, every rewrite gives %q", s, PlainText(s), every(s))
		}
	}
}
