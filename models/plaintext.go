package models

import (
	"regexp"
	"strings"
)

var (
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdLineMark = regexp.MustCompile(`(?m)^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)`)
	mdEmphasis = regexp.MustCompile("(\\*\\*|__|\\*|`{1,3})")
	mdRule     = regexp.MustCompile(`(?m)^\s*([-*_]\s*){3,}$`)
)

// PlainText turns Markdown into the text a reader sees: headings, list
// markers, emphasis and code marks removed, links and images replaced by
// their text. It is for indexing and snippets, not for display.
func PlainText(markdown string) string {
	s := mdImage.ReplaceAllString(markdown, "$1")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdRule.ReplaceAllString(s, "")
	s = mdLineMark.ReplaceAllString(s, "")
	s = mdEmphasis.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}
