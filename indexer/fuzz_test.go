package indexer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftdesk/sift/models"
)

// checkFuzzRecords reads path and checks what holds for any input: no
// panic, no error from a readable file, lines that start at 1 and grow,
// and every record either an error or a valid upsert.
func checkFuzzRecords(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	last := 0
	err := ReadSource(context.Background(), path, "", func(r Record) error {
		if r.Line < 1 {
			t.Fatalf("record with Line %d (err %v)", r.Line, r.Err)
		}
		if r.Line <= last {
			t.Fatalf("record at line %d after one at line %d", r.Line, last)
		}
		last = r.Line
		if r.Source != path {
			t.Fatalf("Source = %q", r.Source)
		}
		if r.Err != nil {
			if models.ErrorCode(r.Err) == models.CodeInternal {
				t.Fatalf("line %d: error %v (%T) is not an application error", r.Line, r.Err, r.Err)
			}
			return nil
		}
		c := r.Change
		if c.Delete || c.Hash == "" || c.ID == "" {
			t.Fatalf("line %d: bad change %+v", r.Line, c)
		}
		switch c.Kind {
		case models.KindArticle:
			if c.Article == nil || c.Article.Validate() != nil || models.ValidateID(c.ID) != nil {
				t.Fatalf("line %d: invalid article %+v", r.Line, c.Article)
			}
		case models.KindTicket:
			if c.Ticket == nil || c.Ticket.Validate() != nil {
				t.Fatalf("line %d: invalid ticket %+v", r.Line, c.Ticket)
			}
		case models.KindQuery:
			if c.Query == nil || c.Query.Validate() != nil {
				t.Fatalf("line %d: invalid query %+v", r.Line, c.Query)
			}
		default:
			t.Fatalf("line %d: kind %q", r.Line, c.Kind)
		}
		return nil
	})
	if err != nil && !strings.Contains(err.Error(), "header row") {
		t.Fatalf("ReadSource: %v", err)
	}
	// A bare carriage return ends a line too (old Mac files, in CSV).
	lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n")) + 1
	if last > lines {
		t.Fatalf("record at line %d of %d", last, lines)
	}
}

func FuzzReadJSONLines(f *testing.F) {
	for _, seed := range []string{
		`{"id":"kb-1","title":"Reset","tags":["a"],"views":2}` + "\n" + `{"id":"T-1","portal":"itsm","subject":"VPN"}`,
		`{"query":"reset password","count":3}` + "\r\n\r\n" + `{"id":"kb-2","title":"x","tags":"x"}`,
		"\n\n \t\n",
		`{"id":"kb-1","title":`,
		`[1,2,3]` + "\n" + `null` + "\n" + `"str"` + "\n" + `{}`,
		`{"id":"kb-1","title":"T","updated_at":"2024-01-02"}`,
		`{"id":"T-1","portal":"itsm","subject":"s","created_at":"2024-01-02T00:00:00Z","resolved_at":"2023-01-02T00:00:00Z"}`,
		"{\"id\":\"\xff\",\"title\":\"\xfe\"}",
		"\ufeff{\"id\":\"kb-1\",\"title\":\"after a byte order mark\"}\n",
	} {
		f.Add([]byte(seed))
	}
	path := filepath.Join(f.TempDir(), "in.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzRecords(t, path, data)
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"id,title,tags,views\nkb-1,Reset,a;b|c,3\n",
		"\ufeff\"id\",\"title\"\r\n\"kb-1\",\"multi\nline\"\r\n",
		"id,portal,subject\nT-1,itsm,VPN\nT-2,customer\n",
		"query,count\nreset,x\n",
		"id,title\nkb-1,Re\"set\nkb-2,\"unterminated\n",
		"id\n\n\n",
		"",
		"a,a,a\n1,2,3\n",
		"id,title\rkb-1,old Mac\rkb-2,\"quoted\r\r\"\r",
	} {
		f.Add([]byte(seed))
	}
	path := filepath.Join(f.TempDir(), "in.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzRecords(t, path, data)
	})
}

func FuzzMarkdownRecord(f *testing.F) {
	for _, seed := range []string{
		"---\nid: kb-1\ntitle: Reset\ntags: [a, b]\nupdated_at: 2024-01-02\n---\n# Body\n",
		"---\r\ntitle: CRLF\r\n---\r\nBody\r\n",
		"---\n---\nempty front matter",
		"---\ntitle: never ends\n",
		"---\n- a list\n- not a map\n---\n",
		"---\ntitle: x\nnested: {a: [1, {b: 2}], 3: c}\nviews: .nan\n---\n",
		"---\nid: ~\ntitle: null id\n---\n",
		"---\na: &x [1]\nb: *x\ntitle: alias\n---\n",
		"\ufeff---\ntitle: bom\n---",
		"# no front matter\n\nJust **Markdown**.",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "kb/note.md"
		r := markdownRecord(path, data)
		if r.Source != path || r.Line != 0 {
			t.Fatalf("Source %q Line %d", r.Source, r.Line)
		}
		if r.Err != nil {
			var me *models.Error
			if !errors.As(r.Err, &me) {
				t.Fatalf("error %v (%T) is not an application error", r.Err, r.Err)
			}
			return
		}
		a := r.Change.Article
		if r.Change.Kind != models.KindArticle || a == nil || r.Change.ID != a.ID {
			t.Fatalf("change %+v", r.Change)
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("article does not validate: %v", err)
		}
		if a.Body != strings.TrimSpace(a.Body) {
			t.Fatalf("body %q is not trimmed", a.Body)
		}
	})
}

// FuzzSplitFrontMatter checks the front matter parser alone: without a
// leading "---" line everything is body; with one, the body is what
// follows the closing line.
func FuzzSplitFrontMatter(f *testing.F) {
	for _, seed := range []string{
		"---\ntitle: a\n---\nbody", "---\n---\n", "---\r\n---\r\nb", "--- \nx", "no front matter", "---\n", "---",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		meta, body, err := splitFrontMatter(data)
		if err != nil {
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v is not invalid-input", err)
			}
			return
		}
		if meta == nil {
			t.Fatal("nil meta without an error")
		}
		if !bytes.HasSuffix(data, body) {
			t.Fatalf("body %q is not the end of the input", body)
		}
		trimmed := bytes.TrimPrefix(data, []byte("\ufeff"))
		if !bytes.HasPrefix(trimmed, []byte("---\n")) && !bytes.HasPrefix(trimmed, []byte("---\r\n")) {
			if len(meta) != 0 || !bytes.Equal(body, trimmed) {
				t.Fatalf("no front matter, yet meta %v body %q", meta, body)
			}
		}
	})
}
