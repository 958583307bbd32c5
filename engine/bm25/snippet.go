package bm25

import (
	"html"
	"strings"
)

// snippetBytes is about how much of a body a snippet shows.
const snippetBytes = 200

// snippetContext is how many words before the first matched one a
// snippet starts, when it cannot start at the body's beginning.
const snippetContext = 4

// snippet returns the passage of d's body of about snippetBytes holding
// the most marked words, HTML-escaped, with those words wrapped in <mark>
// and an ellipsis where the body goes on; "" when the body holds none.
func snippet(d *doc, marked map[uint32]bool) string {
	var at []int // indexes of the marked body words
	for i, id := range d.words[fieldBody] {
		if marked[id] {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return ""
	}
	// The window starting at the marked word that holds the most marked
	// words; the first such.
	first, most := 0, 0
	for i := range at {
		n := 0
		for j := i; j < len(at) && d.spans[at[j]].end-d.spans[at[i]].start <= snippetBytes; j++ {
			n++
		}
		if n > most {
			first, most = i, n
		}
	}
	last := at[first+most-1]
	start := 0
	if int(d.spans[last].end) > snippetBytes {
		w := max(at[first]-snippetContext, 0)
		for w < at[first] && d.spans[last].end-d.spans[w].start > snippetBytes {
			w++
		}
		start = int(d.spans[w].start)
	}
	end := len(d.body)
	if end-start > snippetBytes {
		end = start + snippetBytes
		if cut := strings.LastIndexAny(d.body[int(d.spans[last].end):end], " \n\t"); cut >= 0 {
			end = int(d.spans[last].end) + cut
		}
		end = max(end, int(d.spans[last].end))
	}
	var s strings.Builder
	if start > 0 {
		s.WriteString("…")
	}
	pos := start
	for _, i := range at {
		sp := d.spans[i]
		if int(sp.start) < max(start, pos) || int(sp.end) > end {
			continue // outside the passage, or within a word marked already (a code's parts)
		}
		s.WriteString(html.EscapeString(d.body[pos:sp.start]))
		s.WriteString("<mark>")
		s.WriteString(html.EscapeString(d.body[sp.start:sp.end]))
		s.WriteString("</mark>")
		pos = int(sp.end)
	}
	s.WriteString(html.EscapeString(d.body[pos:end]))
	if end < len(d.body) {
		s.WriteString("…")
	}
	return s.String()
}
