package helpdesk

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMarkdown(t *testing.T) {
	cases := []struct{ name, html, want string }{
		{"plain text", "  just text \n", "just text"},
		{"entities", "Fish &amp; chips", "Fish & chips"},
		{"headings and paragraphs", "<h1>Title</h1><p>One\n  two</p><h3>Sub</h3><p>Three</p>", "# Title\n\nOne two\n\n### Sub\n\nThree"},
		{"scripts and styles dropped", "<p>Keep</p><script>alert(1)</script><style>p{color:red}</style><noscript>no</noscript>", "Keep"},
		{"links and images", `<p>See <a href="https://x.example/a b">the guide</a> and <img src="/i.png" alt="diagram"></p>`, "See [the guide](https://x.example/a%20b) and ![diagram](/i.png)"},
		{"javascript link is text", `<a href="javascript:evil()">click</a>`, "click"},
		{"emphasis and code", "<p><strong>Bold</strong>, <em>it</em>, <code>x := 1</code>, <del>old</del></p>", "**Bold**, *it*, `x := 1`, ~~old~~"},
		{"line break", "<p>one<br>two</p>", "one\ntwo"},
		{"nested lists", "<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>", "- a\n\n  - a1\n- b"},
		{"ordered list start", `<ol start="3"><li>c</li><li>d</li></ol>`, "3. c\n4. d"},
		{"code block keeps white space", "<pre><code class=\"language-go\">if x {\n\treturn\n}</code></pre>", "```go\nif x {\n\treturn\n}\n```"},
		{"code with backticks", "<pre>a ``` b</pre>", "````\na ``` b\n````"},
		{"blockquote", "<blockquote><p>quoted</p><p>more</p></blockquote>", "> quoted\n>\n> more"},
		{"table", "<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>x|y</td></tr><tr><td>2</td></tr></tbody></table>",
			"| A | B |\n| --- | --- |\n| 1 | x\\|y |\n| 2 |  |"},
		{"rule", "<p>a</p><hr><p>b</p>", "a\n\n---\n\nb"},
		{"confluence code macro", `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">sql</ac:parameter><ac:plain-text-body><![CDATA[SELECT 1;]]></ac:plain-text-body></ac:structured-macro>`,
			"```sql\nSELECT 1;\n```"},
		{"confluence info panel", `<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Heads up</p></ac:rich-text-body></ac:structured-macro>`, "> Heads up"},
		{"divs and inline mix", "<div>lead <b>in</b><div>block</div>tail</div>", "lead **in**\n\nblock\n\ntail"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Markdown(tc.html); got != tc.want {
				t.Errorf("Markdown(%q) =\n%q\nwant\n%q", tc.html, got, tc.want)
			}
		})
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<ul><li><ol><li>x", "<table><tr><td><table>", "<pre><code>`", "<ac:structured-macro ac:name=\"code\">", "&#0;<br><br>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		md := Markdown(s)
		if utf8.ValidString(s) && !utf8.ValidString(md) {
			t.Errorf("Markdown(%q) = %q is not valid UTF-8", s, md)
		}
		if strings.Contains(md, lineBreak) {
			t.Errorf("Markdown(%q) = %q leaks the line-break marker", s, md)
		}
	})
}
