package answer

import (
	"strings"
	"unicode"
)

// Passage is a part of an article that may answer a question on its own:
// a paragraph, a list of steps with the sentence that leads into it, or a
// question-and-answer paragraph ("**No email after 10 minutes?** Check
// ..."), under the heading of its section.
type Passage struct {
	// Index is the passage's place in its article, from 0.
	Index int `json:"index"`
	// Heading is the title of the section the passage is in, "" for the
	// article's opening.
	Heading string `json:"heading,omitempty"`
	// Text is the passage as written (Markdown), and Start and End its byte
	// offsets in the article's body.
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	// Steps is set for a list: numbered steps or bullet points.
	Steps bool `json:"steps,omitempty"`
}

// Passage sizes, in words: a shorter block joins the next one (a lead-in
// sentence, a one-line tip), and a longer paragraph is cut at sentence
// ends.
const (
	minPassageWords = 45
	maxPassageWords = 140
)

// block is a run of lines between blank lines, or a heading.
type block struct {
	start, end int // byte offsets in the body
	heading    string
	list       bool
}

// Split cuts an article's body (Markdown) into passages, in order. Lists
// stay whole with the sentence that leads into them; headings name the
// passages of their section and are not passages themselves.
func Split(body string) []Passage {
	var out []Passage
	heading := ""
	var pending *Passage // a short block waiting to join the next one
	emit := func(p Passage) {
		if pending != nil {
			p.Start, p.Text, p.Steps = pending.Start, body[pending.Start:p.End], p.Steps || pending.Steps
			pending = nil
		}
		if words(p.Text) < minPassageWords && !p.Steps {
			pending = &p
			return
		}
		p.Index = len(out)
		out = append(out, p)
	}
	flush := func() {
		if pending != nil {
			p := *pending
			pending = nil
			p.Index = len(out)
			out = append(out, p)
		}
	}
	for _, b := range blocks(body) {
		if b.heading != "" {
			flush()
			heading = b.heading
			continue
		}
		text := body[b.start:b.end]
		if b.list || words(text) <= maxPassageWords {
			emit(Passage{Heading: heading, Text: text, Start: b.start, End: b.end, Steps: b.list})
			continue
		}
		for _, s := range sentenceChunks(body, b.start, b.end) {
			emit(Passage{Heading: heading, Text: body[s.start:s.end], Start: s.start, End: s.end})
		}
	}
	flush()
	return out
}

// blocks splits body into paragraphs, lists and headings. A list is a
// run of item lines ("1. ", "- ", "* ") with their continuation lines; a
// paragraph that ends with ':' and is followed by a list leads into it
// and joins it.
func blocks(body string) []block {
	var out []block
	var cur *block
	end := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for off := 0; off < len(body); {
		nl := strings.IndexByte(body[off:], '\n')
		lineEnd := len(body)
		if nl >= 0 {
			lineEnd = off + nl
		}
		line := strings.TrimRight(body[off:lineEnd], " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		next := lineEnd + 1
		switch {
		case trimmed == "":
			end()
		case strings.HasPrefix(trimmed, "#"):
			end()
			out = append(out, block{start: off, end: off + len(line), heading: strings.TrimSpace(strings.TrimLeft(trimmed, "#"))})
		case listItem(trimmed):
			switch {
			case cur != nil && cur.list:
			case cur != nil && strings.HasSuffix(strings.TrimSpace(body[cur.start:cur.end]), ":"):
				cur.list = true // a lead-in joins its list
			default:
				end()
				cur = &block{start: off, list: true}
			}
			cur.end = off + len(line)
		default:
			if cur != nil && cur.list && line != trimmed {
				cur.end = off + len(line) // an indented continuation of an item
				break
			}
			if cur != nil && cur.list {
				end()
			}
			if cur == nil {
				cur = &block{start: off}
			}
			cur.end = off + len(line)
		}
		off = next
	}
	end()
	return out
}

// listItem reports whether a line starts a list item: "- ", "* ", "+ " or
// a number followed by ". " or ") ".
func listItem(line string) bool {
	if len(line) > 1 && strings.ContainsRune("-*+", rune(line[0])) && line[1] == ' ' {
		return true
	}
	i := 0
	for i < len(line) && i < 3 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' '
}

// sentenceChunks cuts body[start:end] at sentence ends into chunks of at
// most about maxPassageWords words.
func sentenceChunks(body string, start, end int) []block {
	var out []block
	from, n := start, 0
	for i := start; i < end; i++ {
		c := body[i]
		if unicode.IsSpace(rune(c)) && i > start && !unicode.IsSpace(rune(body[i-1])) {
			n++
		}
		if n >= maxPassageWords*2/3 && (c == '.' || c == '!' || c == '?') && (i+1 == end || body[i+1] == ' ') {
			out = append(out, block{start: from, end: i + 1})
			from, n = i+1, 0
			for from < end && body[from] == ' ' {
				from++
			}
		}
	}
	if from < end {
		out = append(out, block{start: from, end: end})
	}
	return out
}

// words counts the words of s.
func words(s string) int { return len(strings.Fields(s)) }
