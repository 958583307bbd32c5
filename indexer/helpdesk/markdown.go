package helpdesk

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Markdown turns an HTML fragment, as help desks store article and ticket
// bodies, into Markdown: headings, paragraphs, lists (nested), links,
// images, emphasis, inline code, code blocks (with their language),
// block quotes, rules and tables (GitHub style, the first row as header).
// Scripts, styles and other content a reader never sees are dropped.
// Confluence storage format is understood too: its code macro becomes a
// code block, its panel macros (info, note, tip, warning) block quotes.
// Text that is not HTML comes back trimmed. NUL bytes are dropped.
func Markdown(fragment string) string {
	fragment = strings.ReplaceAll(fragment, "\x00", "")
	if !strings.ContainsAny(fragment, "<&") {
		return strings.TrimSpace(fragment)
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), body)
	if err != nil { // only a failing reader makes ParseFragment fail
		return strings.TrimSpace(fragment)
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	return strings.Join(blocks(body), "\n\n")
}

// dropped are the elements whose content is never shown.
var dropped = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "head": true,
	"iframe": true, "object": true, "embed": true, "svg": true, "canvas": true, "button": true,
	"select": true, "input": true, "textarea": true, "form": true, "meta": true, "link": true,
}

// blockElements start a block of their own.
var blockElements = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "main": true, "header": true,
	"footer": true, "aside": true, "nav": true, "body": true, "html": true, "figure": true,
	"figcaption": true, "details": true, "summary": true, "dl": true, "dt": true, "dd": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "ul": true, "ol": true,
	"li": true, "pre": true, "blockquote": true, "table": true, "hr": true, "center": true,
	"address": true, "ac:structured-macro": true, "ac:rich-text-body": true, "ac:layout": true,
	"ac:layout-section": true, "ac:layout-cell": true, "ac:task-list": true, "ac:task": true,
}

// blocks renders the children of n as Markdown blocks, in order. Runs of
// inline content between block children become paragraphs.
func blocks(n *html.Node) []string {
	var out []string
	var run strings.Builder
	flush := func() {
		if p := tidy(run.String()); p != "" {
			out = append(out, p)
		}
		run.Reset()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && blockElements[c.Data] {
			flush()
			if b := block(c); b != "" {
				out = append(out, b)
			}
			continue
		}
		inline(&run, c)
	}
	flush()
	return out
}

// block renders one block element.
func block(n *html.Node) string {
	switch n.Data {
	case "h1", "h2", "h3", "h4", "h5", "h6":
		level := int(n.Data[1] - '0')
		if t := oneLine(n); t != "" {
			return strings.Repeat("#", level) + " " + t
		}
		return ""
	case "ul", "ol", "ac:task-list":
		return list(n)
	case "pre":
		return fence(codeLanguage(n), text(n))
	case "blockquote":
		return quote(strings.Join(blocks(n), "\n\n"))
	case "table":
		return table(n)
	case "hr":
		return "---"
	case "ac:structured-macro":
		return macro(n)
	}
	return strings.Join(blocks(n), "\n\n")
}

// list renders ul and ol: "- " or "N. " items, their continuation lines
// and nested lists indented under the marker.
func list(n *html.Node) string {
	ordered := n.Data == "ol"
	num := 1
	if s, err := strconv.Atoi(attr(n, "start")); err == nil && ordered {
		num = s
	}
	var items []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.Data != "li" && c.Data != "ac:task" {
			continue
		}
		marker := "- "
		if ordered {
			marker = strconv.Itoa(num) + ". "
			num++
		}
		body := strings.Join(blocks(c), "\n\n")
		pad := strings.Repeat(" ", len(marker))
		lines := strings.Split(body, "\n")
		for i := 1; i < len(lines); i++ {
			if lines[i] != "" {
				lines[i] = pad + lines[i]
			}
		}
		items = append(items, marker+strings.Join(lines, "\n"))
	}
	return strings.Join(items, "\n")
}

// table renders a GitHub-style table; the first row is its header.
func table(n *html.Node) string {
	var rows [][]string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.Data {
			case "tr":
				var row []string
				for cell := c.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == html.ElementNode && (cell.Data == "td" || cell.Data == "th") {
						row = append(row, strings.ReplaceAll(oneLine(cell), "|", `\|`))
					}
				}
				rows = append(rows, row)
			case "thead", "tbody", "tfoot":
				walk(c)
			}
		}
	}
	walk(n)
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	if width == 0 {
		return ""
	}
	var b strings.Builder
	for i, r := range rows {
		for len(r) < width {
			r = append(r, "")
		}
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|" + strings.Repeat(" --- |", width) + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// macro renders a Confluence storage-format macro: code as a code block,
// anything with a rich-text body (info, note, tip, warning, expand...) as
// that body, quoted for the panels.
func macro(n *html.Node) string {
	name := attr(n, "ac:name")
	var lang string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "ac:parameter" && attr(c, "ac:name") == "language" {
			lang = strings.TrimSpace(text(c))
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.Data {
		case "ac:plain-text-body":
			return fence(lang, text(c))
		case "ac:rich-text-body":
			body := strings.Join(blocks(c), "\n\n")
			switch name {
			case "info", "note", "tip", "warning", "panel":
				return quote(body)
			}
			return body
		}
	}
	return ""
}

// fence wraps code in a fenced block long enough not to be closed by
// backticks inside it.
func fence(lang, code string) string {
	code = strings.Trim(code, "\n")
	ticks := "```"
	for strings.Contains(code, ticks) {
		ticks += "`"
	}
	return ticks + lang + "\n" + code + "\n" + ticks
}

// quote prefixes every line of s with "> ".
func quote(s string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

// codeLanguage reads a code block's language from a "language-x" or
// "lang-x" class of the pre or of the code inside it.
func codeLanguage(pre *html.Node) string {
	for _, n := range []*html.Node{pre, pre.FirstChild} {
		if n == nil || n.Type != html.ElementNode {
			continue
		}
		for _, class := range strings.Fields(attr(n, "class")) {
			for _, prefix := range []string{"language-", "lang-"} {
				if l, ok := strings.CutPrefix(class, prefix); ok {
					return l
				}
			}
		}
	}
	return ""
}

// lineBreak stands for a <br> until white space is tidied.
const lineBreak = "\x00"

// inline renders n as inline Markdown into b.
func inline(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.ElementNode:
	default:
		return
	}
	if dropped[n.Data] {
		return
	}
	wrap := func(mark string) {
		if t := inner(n); t != "" {
			b.WriteString(mark + t + mark)
		}
	}
	switch n.Data {
	case "br":
		b.WriteString(lineBreak)
	case "a":
		t, href := inner(n), attr(n, "href")
		switch {
		case href == "" || strings.HasPrefix(strings.ToLower(href), "javascript:"):
			b.WriteString(t)
		case t == "":
			b.WriteString("<" + href + ">")
		default:
			b.WriteString("[" + t + "](" + strings.ReplaceAll(href, " ", "%20") + ")")
		}
	case "img":
		if src := attr(n, "src"); src != "" {
			b.WriteString("![" + attr(n, "alt") + "](" + src + ")")
		}
	case "strong", "b":
		wrap("**")
	case "em", "i":
		wrap("*")
	case "s", "del", "strike":
		wrap("~~")
	case "code", "kbd", "tt", "samp":
		if t := strings.TrimSpace(text(n)); t != "" {
			ticks := "`"
			for strings.Contains(t, ticks) {
				ticks += "`"
			}
			b.WriteString(ticks + t + ticks)
		}
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && blockElements[c.Data] {
				b.WriteString(" " + oneLine(c) + " ")
				continue
			}
			inline(b, c)
		}
	}
}

// inner renders the children of n as one line of inline Markdown.
func inner(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		inline(&b, c)
	}
	return strings.ReplaceAll(tidy(b.String()), "\n", " ")
}

// oneLine renders the content of a block (a heading, a table cell) on one
// line.
func oneLine(n *html.Node) string {
	return strings.Join(strings.Fields(strings.Join(blocks(n), " ")), " ")
}

// tidy collapses white space runs to one space, turns line-break markers
// into new lines and trims each line.
func tidy(s string) string {
	lines := strings.Split(s, lineBreak)
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// text returns the text content of n as it is, white space included.
// Confluence's CDATA sections, which an HTML parser reads as comments,
// count as text.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.CommentNode && strings.HasPrefix(n.Data, "[CDATA["):
			b.WriteString(strings.TrimSuffix(strings.TrimPrefix(n.Data, "[CDATA["), "]]"))
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteString("\n")
		case n.Type == html.ElementNode && dropped[n.Data]:
		default:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
