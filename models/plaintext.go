package models

import (
	"regexp"
	"strings"
)

var (
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdLineMark = regexp.MustCompile(`(?m)^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)`)
	// emphasis removes bold, italic and code marks: ** and __, then *,
	// then runs of up to three backquotes.
	emphasis = strings.NewReplacer("**", "", "__", "", "*", "", "```", "", "``", "", "`", "")
	mdRule   = regexp.MustCompile(`(?m)^\s*([-*_]\s*){3,}$`)
)

// PlainText turns Markdown into the text a reader sees: headings, list
// markers, emphasis and code marks removed, links and images replaced by
// their text. It is for indexing and snippets, not for display.
//
// Each rewrite runs only where its mark can be: most article text has few
// or none, and a regular expression over a whole body costs more than
// the look.
func PlainText(markdown string) string {
	s := markdown
	if strings.Contains(s, "](") {
		s = mdImage.ReplaceAllString(s, "$1")
		s = mdLink.ReplaceAllString(s, "$1")
	}
	if hasRule(s) {
		s = mdRule.ReplaceAllString(s, "")
	}
	if hasLineMark(s) {
		s = mdLineMark.ReplaceAllString(s, "")
	}
	s = emphasis.Replace(s)
	return strings.TrimSpace(s)
}

// hasRule reports whether s may hold a Markdown rule: three or more of
// -*_ with nothing but white space between them.
func hasRule(s string) bool {
	marks := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '-', '*', '_':
			if marks++; marks == 3 {
				return true
			}
		case ' ', '\t', '\n', '\r', '\f', '\v':
		default:
			marks = 0
		}
	}
	return false
}

// hasLineMark reports whether a line of s may start with a Markdown
// heading, quote or list mark: after at most three spaces, one of #>-*+
// or a digit.
func hasLineMark(s string) bool {
	for line := range strings.Lines(s) {
		line = strings.TrimLeft(line, " \t\r\v\f")
		if line != "" && (strings.IndexByte("#>-*+", line[0]) >= 0 || '0' <= line[0] && line[0] <= '9') {
			return true
		}
	}
	return false
}
