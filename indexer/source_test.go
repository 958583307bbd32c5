package indexer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/models"
)

// writeFile writes content to name under dir, creating folders, and
// returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll reads a source and returns its records.
func readAll(t *testing.T, path string, kind models.Kind) ([]indexer.Record, error) {
	t.Helper()
	var recs []indexer.Record
	err := indexer.ReadSource(context.Background(), path, kind, func(r indexer.Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// want describes one expected record. An empty field and a nil is mean
// the record must have no error.
type want struct {
	line  int
	kind  models.Kind
	id    string
	field string // the *models.Error's Field
	is    error  // errors.Is target; defaults to models.ErrInvalid when field is set
	msg   string // a substring of the error message
}

func (w want) wantsErr() bool { return w.field != "" || w.is != nil || w.msg != "" }

// checkRecords compares records with the expectations, in order.
func checkRecords(t *testing.T, path string, got []indexer.Record, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, r := range got {
			t.Logf("record %s: kind %q id %q err %v", r.Location(), r.Change.Kind, r.Change.ID, r.Err)
		}
		t.Fatalf("got %d records, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		r := got[i]
		if r.Source != path {
			t.Errorf("record %d: Source = %q, want %q", i, r.Source, path)
		}
		if r.Line != w.line {
			t.Errorf("record %d: Line = %d, want %d (err %v)", i, r.Line, w.line, r.Err)
		}
		if !w.wantsErr() {
			if r.Err != nil {
				t.Errorf("record %d (%s): unexpected error %v", i, r.Location(), r.Err)
				continue
			}
			if r.Change.Kind != w.kind || r.Change.ID != w.id {
				t.Errorf("record %d: kind %q id %q, want %q %q", i, r.Change.Kind, r.Change.ID, w.kind, w.id)
			}
			if r.Change.Hash == "" {
				t.Errorf("record %d: no content hash", i)
			}
			continue
		}
		if r.Err == nil {
			t.Errorf("record %d (%s): no error, want one (field %q)", i, r.Location(), w.field)
			continue
		}
		is := w.is
		if is == nil {
			is = models.ErrInvalid
		}
		if !errors.Is(r.Err, is) {
			t.Errorf("record %d: errors.Is(%v, %v) = false", i, r.Err, is)
		}
		var me *models.Error
		if !errors.As(r.Err, &me) {
			t.Errorf("record %d: error %v (%T) is not a *models.Error", i, r.Err, r.Err)
		} else if me.Field != w.field {
			t.Errorf("record %d: error field %q, want %q (%v)", i, me.Field, w.field, r.Err)
		}
		if w.field != "" && !strings.Contains(r.Err.Error(), w.field) {
			t.Errorf("record %d: error %q does not name the field %q", i, r.Err, w.field)
		}
		if !strings.Contains(r.Err.Error(), w.msg) {
			t.Errorf("record %d: error %q does not contain %q", i, r.Err, w.msg)
		}
	}
}

const (
	jsonArticle = `{"id":"kb-1","title":"Reset your password","tags":["login"]}`
	jsonTicket  = `{"id":"T-1","portal":"itsm","subject":"VPN down"}`
	jsonQuery   = `{"query":"reset password","count":4}`
)

// padTo returns a JSON article line of exactly n bytes, padded with spaces
// inside the object.
func padTo(n int) string {
	head := `{"id":"big","title":"Big"`
	return head + strings.Repeat(" ", n-len(head)-1) + "}"
}

func TestReadJSONLines(t *testing.T) {
	tests := []struct {
		name  string
		file  string // file name; "in.jsonl" when empty
		kind  models.Kind
		input string
		want  []want
	}{
		{
			name:  "kinds guessed per line",
			input: jsonArticle + "\n" + jsonTicket + "\n" + jsonQuery + "\n",
			want: []want{
				{line: 1, kind: models.KindArticle, id: "kb-1"},
				{line: 2, kind: models.KindTicket, id: "T-1"},
				{line: 3, kind: models.KindQuery, id: "customer:reset password"},
			},
		},
		{
			name:  "ticket guessed from portal alone",
			input: `{"id":"T-2","portal":"customer","body":"It broke"}`,
			want:  []want{{line: 1, kind: models.KindTicket, id: "T-2"}},
		},
		{
			name:  "unknown kind",
			input: `{"id":"x","text":"what is this"}` + "\n" + `{}`,
			want: []want{
				{line: 1, field: "", msg: "cannot tell the kind"},
				{line: 2, field: "", msg: "cannot tell the kind"},
			},
		},
		{
			name:  "forced kind",
			kind:  models.KindTicket,
			input: `{"id":"T-3","portal":"itsm","subject":"s","title":"looks like an article"}`,
			want:  []want{{line: 1, kind: models.KindTicket, id: "T-3"}},
		},
		{
			name:  "forced kind that does not fit",
			kind:  models.KindTicket,
			input: jsonArticle,
			want:  []want{{line: 1, field: "portal"}},
		},
		{
			name:  "blank lines are not records",
			input: "\n" + jsonArticle + "\n\n   \n\t\n" + jsonTicket + "\n\n",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 6, kind: models.KindTicket, id: "T-1"},
			},
		},
		{
			name:  "malformed line between good ones",
			input: jsonArticle + "\n" + `{"id":"kb-2","title":` + "\n" + jsonTicket + "\n",
			want: []want{
				{line: 1, kind: models.KindArticle, id: "kb-1"},
				{line: 2, msg: "malformed JSON"},
				{line: 3, kind: models.KindTicket, id: "T-1"},
			},
		},
		{
			name:  "trailing garbage after the object",
			input: jsonArticle + ` x`,
			want:  []want{{line: 1, msg: "malformed JSON"}},
		},
		{
			name:  "wrong type",
			input: `{"id":"kb-2","title":"T","tags":"x"}` + "\n" + `{"id":"kb-3","title":"T","views":"12"}`,
			want: []want{
				{line: 1, field: "tags"},
				{line: 2, field: "views"},
			},
		},
		{
			name:  "time that does not parse",
			input: `{"id":"kb-2","title":"T","updated_at":"last week"}`,
			want:  []want{{line: 1, field: "updated_at"}},
		},
		{
			name:  "invalid record",
			input: `{"title":"No id"}` + "\n" + `{"id":"kb 2","title":"Bad id"}` + "\n" + `{"id":"kb-2","title":"T","visibility":"secret"}`,
			want: []want{
				{line: 1, field: "id"},
				{line: 2, field: "id"},
				{line: 3, field: "visibility"},
			},
		},
		{
			name:  "CRLF line endings",
			input: jsonArticle + "\r\n" + jsonTicket + "\r\n\r\n" + jsonQuery + "\r\n",
			want: []want{
				{line: 1, kind: models.KindArticle, id: "kb-1"},
				{line: 2, kind: models.KindTicket, id: "T-1"},
				{line: 4, kind: models.KindQuery, id: "customer:reset password"},
			},
		},
		{
			name:  "last line without newline",
			input: jsonArticle + "\n" + jsonTicket,
			want: []want{
				{line: 1, kind: models.KindArticle, id: "kb-1"},
				{line: 2, kind: models.KindTicket, id: "T-1"},
			},
		},
		{
			name:  "line over MaxLineBytes",
			input: jsonArticle + "\n" + padTo(indexer.MaxLineBytes+1) + "\n" + jsonTicket + "\n",
			want: []want{
				{line: 1, kind: models.KindArticle, id: "kb-1"},
				{line: 2, is: models.ErrTooLarge, msg: "longer than"},
				{line: 3, kind: models.KindTicket, id: "T-1"},
			},
		},
		{
			name:  "long last line without newline",
			input: jsonArticle + "\n" + padTo(3*indexer.MaxLineBytes),
			want: []want{
				{line: 1, kind: models.KindArticle, id: "kb-1"},
				{line: 2, is: models.ErrTooLarge},
			},
		},
		{
			name:  "line of exactly MaxLineBytes",
			input: padTo(indexer.MaxLineBytes) + "\n" + jsonTicket,
			want: []want{
				{line: 1, kind: models.KindArticle, id: "big"},
				{line: 2, kind: models.KindTicket, id: "T-1"},
			},
		},
		{
			name:  "line of exactly MaxLineBytes with CRLF",
			input: padTo(indexer.MaxLineBytes) + "\r\n" + jsonTicket + "\r\n",
			want: []want{
				{line: 1, kind: models.KindArticle, id: "big"},
				{line: 2, kind: models.KindTicket, id: "T-1"},
			},
		},
		{
			name:  "empty file",
			input: "",
			want:  nil,
		},
		{
			name:  "ndjson extension",
			file:  "in.ndjson",
			input: jsonArticle,
			want:  []want{{line: 1, kind: models.KindArticle, id: "kb-1"}},
		},
		{
			name:  "json extension in capitals",
			file:  "IN.JSON",
			input: jsonArticle,
			want:  []want{{line: 1, kind: models.KindArticle, id: "kb-1"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.file
			if name == "" {
				name = "in.jsonl"
			}
			path := writeFile(t, t.TempDir(), name, tc.input)
			recs, err := readAll(t, path, tc.kind)
			if err != nil {
				t.Fatalf("ReadSource: %v", err)
			}
			checkRecords(t, path, recs, tc.want)
		})
	}
}

func TestReadJSONLinesKeepsFields(t *testing.T) {
	path := writeFile(t, t.TempDir(), "a.jsonl",
		`{"id":"kb-1","title":" Reset ","tags":["Login","login"],"views":7,"updated_at":"2024-03-01T10:00:00Z","source":{"system":"zendesk","id":42}}`)
	recs, err := readAll(t, path, "")
	if err != nil || len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("records %v, err %v", recs, err)
	}
	a := recs[0].Change.Article
	if a.Title != "Reset" || !slices.Equal(a.Tags, []string{"login"}) || a.Views != 7 ||
		!a.UpdatedAt.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("article = %+v", a)
	}
	if got := string(a.Extra["source"]); got != `{"system":"zendesk","id":42}` {
		t.Errorf("Extra[source] = %s", got)
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		kind  models.Kind
		input string
		want  []want
		check func(t *testing.T, recs []indexer.Record)
	}{
		{
			name:  "articles with tags and views",
			input: "id,title,tags,views,body\nkb-1,Reset,login; SSO|mfa,42,Open settings\nkb-2,Other,,,\n",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 3, kind: models.KindArticle, id: "kb-2"},
			},
			check: func(t *testing.T, recs []indexer.Record) {
				a := recs[0].Change.Article
				if !slices.Equal(a.Tags, []string{"login", "sso", "mfa"}) {
					t.Errorf("tags = %q", a.Tags)
				}
				if a.Views != 42 || a.Body != "Open settings" {
					t.Errorf("views %d body %q", a.Views, a.Body)
				}
				if b := recs[1].Change.Article; len(b.Tags) != 0 || b.Views != 0 {
					t.Errorf("empty cells: %+v", b)
				}
			},
		},
		{
			name:  "header names trimmed and case-folded",
			input: " ID , Title \nkb-1,Reset\n",
			want:  []want{{line: 2, kind: models.KindArticle, id: "kb-1"}},
		},
		{
			name:  "views not a number",
			input: "id,title,views\nkb-1,Reset,many\nkb-2,Reset,1.5\nkb-3,Reset,7\n",
			want: []want{
				{line: 2, field: "views"},
				{line: 3, field: "views"},
				{line: 4, kind: models.KindArticle, id: "kb-3"},
			},
		},
		{
			name:  "wrong column count",
			input: "id,title,body\nkb-1,Reset,b\nkb-2,Too,many,cells\nkb-3\nkb-4,Fine,b\n",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 3, msg: "has 4 columns, the header has 3"},
				{line: 4, msg: "has 1 columns"},
				{line: 5, kind: models.KindArticle, id: "kb-4"},
			},
		},
		{
			name:  "BOM in header",
			input: "\ufeffid,title\nkb-1,Reset\n",
			want:  []want{{line: 2, kind: models.KindArticle, id: "kb-1"}},
		},
		{
			name:  "BOM before a quoted header",
			input: "\ufeff\"id\",\"title\"\n\"kb-1\",\"Reset\"\n",
			want:  []want{{line: 2, kind: models.KindArticle, id: "kb-1"}},
		},
		{
			name:  "quoted multi-line field",
			input: "id,title,body\nkb-1,Reset,\"first line\nsecond, with comma\nthird \"\"quoted\"\"\"\nkb-2,Next,b\n",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 5, kind: models.KindArticle, id: "kb-2"},
			},
			check: func(t *testing.T, recs []indexer.Record) {
				if got, want := recs[0].Change.Article.Body, "first line\nsecond, with comma\nthird \"quoted\""; got != want {
					t.Errorf("body = %q, want %q", got, want)
				}
			},
		},
		{
			name:  "CRLF line endings",
			input: "id,title\r\nkb-1,Reset\r\nkb-2,Other\r\n",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 3, kind: models.KindArticle, id: "kb-2"},
			},
		},
		{
			name:  "old Mac line endings",
			input: "id,title\rkb-1,Reset\rkb-2,Other\r",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 3, kind: models.KindArticle, id: "kb-2"},
			},
		},
		{
			name:  "tickets and queries guessed",
			input: "id,portal,subject,query,count\nT-1,itsm,VPN down,,\n,,,reset password,5\n",
			want: []want{
				{line: 2, kind: models.KindTicket, id: "T-1"},
				{line: 3, kind: models.KindQuery, id: "customer:reset password"},
			},
		},
		{
			name:  "forced kind",
			kind:  models.KindQuery,
			input: "query,title\nvpn,not an article\n",
			want:  []want{{line: 2, kind: models.KindQuery, id: "customer:vpn"}},
		},
		{
			name:  "invalid record names the field",
			input: "id,title,visibility\nkb-1,Reset,staff\nkb 2,Reset,public\n",
			want: []want{
				{line: 2, field: "visibility"},
				{line: 3, field: "id"},
			},
		},
		{
			name:  "bare quote",
			input: "id,title\nkb-1,Re\"set\nkb-2,Fine\n",
			want: []want{
				{line: 2, msg: "malformed CSV"},
				{line: 3, kind: models.KindArticle, id: "kb-2"},
			},
		},
		{
			// csv.Reader.FieldPos panics after a parse error in the first
			// data row; found by FuzzReadCSV.
			name:  "bare quote in the first data row",
			input: "id,title\nk\"b-1,Reset\n",
			want:  []want{{line: 2, msg: "malformed CSV"}},
		},
		{
			name:  "unterminated quote reported at the record's first line",
			input: "id,title\nkb-1,Fine\nkb-2,\"never\nclosed\n",
			want: []want{
				{line: 2, kind: models.KindArticle, id: "kb-1"},
				{line: 3, msg: "malformed CSV"},
			},
		},
		{
			name:  "header only",
			input: "id,title\n",
			want:  nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "in.csv", tc.input)
			recs, err := readAll(t, path, tc.kind)
			if err != nil {
				t.Fatalf("ReadSource: %v", err)
			}
			checkRecords(t, path, recs, tc.want)
			if tc.check != nil && !t.Failed() {
				tc.check(t, recs)
			}
		})
	}
}

func TestReadCSVEmptyFile(t *testing.T) {
	path := writeFile(t, t.TempDir(), "in.csv", "")
	recs, err := readAll(t, path, "")
	if err == nil || !strings.Contains(err.Error(), "header") || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want one naming the file and the header row", err)
	}
	if len(recs) != 0 {
		t.Errorf("got %d records", len(recs))
	}
}

func TestReadMarkdownFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a-front.md", "---\nid: kb-7\ntitle: Reset your password\ntags: [Login, SSO]\nvisibility: internal\nviews: 12\nupdated_at: 2024-01-02\nowner: {team: identity}\n---\n# Reset\n\nOpen **Settings**.\n")
	writeFile(t, dir, "b-no-id.md", "---\ntitle: Id from the file name\n---\nBody\n")
	writeFile(t, dir, "c-bad-yaml.md", "---\ntitle: [unclosed\n---\nBody\n")
	writeFile(t, dir, "d-unterminated.md", "---\ntitle: Never closed\nBody\n")
	writeFile(t, dir, "e-no-front-matter.md", "# Just Markdown\n")
	writeFile(t, dir, "f-crlf.md", "---\r\ntitle: Windows\r\nupdated_at: 2024-05-06T07:08:09+02:00\r\n---\r\nBody\r\n")
	writeFile(t, dir, "g-empty-front-matter.md", "---\n---\nBody without a title\n")
	writeFile(t, dir, "h-timestamp.md", "---\ntitle: Space separated time\nupdated_at: 2024-01-02 03:04:05\n---\n")
	writeFile(t, dir, "i-bom.md", "\ufeff---\ntitle: With BOM\n---\nBody")
	writeFile(t, dir, "j-bad-field.md", "---\ntitle: Bad views\nviews: lots\n---\n")
	writeFile(t, dir, "notes.txt", "not an article")
	writeFile(t, dir, "sub/z-nested.markdown", "---\ntitle: Nested\n---\n")
	writeFile(t, dir, "sub/deeper/Y-UPPER.MD", "---\ntitle: Upper-case extension\n---\n")

	recs, err := readAll(t, dir, models.KindTicket) // kind is ignored for Markdown
	if err != nil {
		t.Fatalf("ReadSource: %v", err)
	}
	var paths []string
	for _, r := range recs {
		paths = append(paths, r.Source)
	}
	wantPaths := []string{"a-front.md", "b-no-id.md", "c-bad-yaml.md", "d-unterminated.md",
		"e-no-front-matter.md", "f-crlf.md", "g-empty-front-matter.md", "h-timestamp.md",
		"i-bom.md", "j-bad-field.md", "sub/deeper/Y-UPPER.MD", "sub/z-nested.markdown"}
	for i := range wantPaths {
		wantPaths[i] = filepath.Join(dir, filepath.FromSlash(wantPaths[i]))
	}
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("sources:\n got %q\nwant %q", paths, wantPaths)
	}
	byName := map[string]indexer.Record{}
	for _, r := range recs {
		if r.Line != 0 {
			t.Errorf("%s: Line = %d, want 0 for a whole file", r.Source, r.Line)
		}
		if r.Location() != r.Source {
			t.Errorf("Location() = %q, want %q", r.Location(), r.Source)
		}
		byName[filepath.Base(r.Source)] = r
	}

	tests := []struct {
		file  string
		id    string
		field string // error field; "-" for no error
		msg   string
		check func(t *testing.T, a *models.Article)
	}{
		{"a-front.md", "kb-7", "-", "", func(t *testing.T, a *models.Article) {
			if a.Title != "Reset your password" || a.Visibility != models.VisibilityInternal || a.Views != 12 {
				t.Errorf("fields: %+v", a)
			}
			if !slices.Equal(a.Tags, []string{"login", "sso"}) {
				t.Errorf("tags = %q", a.Tags)
			}
			if !a.UpdatedAt.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("updated_at = %v", a.UpdatedAt)
			}
			if a.Body != "# Reset\n\nOpen **Settings**." {
				t.Errorf("body = %q", a.Body)
			}
			if got := string(a.Extra["owner"]); got != `{"team":"identity"}` {
				t.Errorf("Extra[owner] = %s", got)
			}
		}},
		{"b-no-id.md", "b-no-id", "-", "", func(t *testing.T, a *models.Article) {
			if a.Body != "Body" {
				t.Errorf("body = %q", a.Body)
			}
		}},
		{"c-bad-yaml.md", "", "", "front matter", nil},
		{"d-unterminated.md", "", "", "never ends", nil},
		{"e-no-front-matter.md", "", "title", "", nil},
		{"f-crlf.md", "f-crlf", "-", "", func(t *testing.T, a *models.Article) {
			if a.Title != "Windows" || strings.TrimSpace(a.Body) != "Body" {
				t.Errorf("title %q body %q", a.Title, a.Body)
			}
			if !a.UpdatedAt.Equal(time.Date(2024, 5, 6, 5, 8, 9, 0, time.UTC)) {
				t.Errorf("updated_at = %v", a.UpdatedAt)
			}
		}},
		{"g-empty-front-matter.md", "", "title", "", nil},
		{"h-timestamp.md", "h-timestamp", "-", "", func(t *testing.T, a *models.Article) {
			if !a.UpdatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("updated_at = %v", a.UpdatedAt)
			}
			if a.Body != "" {
				t.Errorf("body = %q, want empty", a.Body)
			}
		}},
		{"i-bom.md", "i-bom", "-", "", func(t *testing.T, a *models.Article) {
			if a.Title != "With BOM" || a.Body != "Body" {
				t.Errorf("title %q body %q", a.Title, a.Body)
			}
		}},
		{"j-bad-field.md", "", "views", "", nil},
		{"Y-UPPER.MD", "Y-UPPER", "-", "", nil},
		{"z-nested.markdown", "z-nested", "-", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, ok := byName[tc.file]
			if !ok {
				t.Fatalf("no record for %s", tc.file)
			}
			if tc.field == "-" {
				if r.Err != nil {
					t.Fatalf("error: %v", r.Err)
				}
				if r.Change.Kind != models.KindArticle || r.Change.ID != tc.id || r.Change.Article == nil {
					t.Fatalf("change kind %q id %q, want article %q", r.Change.Kind, r.Change.ID, tc.id)
				}
				if tc.check != nil {
					tc.check(t, r.Change.Article)
				}
				return
			}
			var me *models.Error
			if !errors.As(r.Err, &me) || !errors.Is(r.Err, models.ErrInvalid) {
				t.Fatalf("error %v (%T), want an invalid-input error", r.Err, r.Err)
			}
			if me.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", me.Field, tc.field, r.Err)
			}
			if !strings.Contains(r.Err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", r.Err, tc.msg)
			}
		})
	}
}

func TestReadMarkdownFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		id            string
		is            error
	}{
		{"kb-9.md", "---\ntitle: One file\n---\nBody", "kb-9", nil},
		{"big.md", "---\ntitle: Big\n---\n" + strings.Repeat("x", indexer.MaxLineBytes), "", models.ErrTooLarge},
		{"body.markdown", "---\ntitle: Big body\n---\n" + strings.Repeat("x", models.MaxTextBytes+1), "", models.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, tc.name, tc.content)
			recs, err := readAll(t, path, "")
			if err != nil || len(recs) != 1 {
				t.Fatalf("got %d records, err %v", len(recs), err)
			}
			r := recs[0]
			if tc.is != nil {
				if !errors.Is(r.Err, tc.is) {
					t.Errorf("err = %v, want %v", r.Err, tc.is)
				}
				return
			}
			if r.Err != nil || r.Change.ID != tc.id || r.Source != path {
				t.Errorf("record %+v", r)
			}
		})
	}
}

func TestReadSourceErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		msg  string
	}{
		{"unknown extension", writeFile(t, dir, "articles.xml", "<a/>"), "unknown format"},
		{"no extension", writeFile(t, dir, "articles", "{}"), "unknown format"},
		{"missing file", filepath.Join(dir, "missing.jsonl"), "missing.jsonl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			err := indexer.ReadSource(context.Background(), tc.path, "", func(indexer.Record) error {
				called = true
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("err = %v, want one naming %s and containing %q", err, tc.path, tc.msg)
			}
			if called {
				t.Error("fn was called")
			}
		})
	}
}

func TestReadSourceStops(t *testing.T) {
	dir := t.TempDir()
	lines := strings.Repeat(jsonArticle+"\n", 10)
	sources := map[string]string{
		"jsonl":    writeFile(t, dir, "a.jsonl", lines),
		"csv":      writeFile(t, dir, "a.csv", "id,title\n"+strings.Repeat("kb-1,T\n", 10)),
		"markdown": filepath.Dir(writeFile(t, dir, "kb/a.md", "---\ntitle: T\n---\n")),
	}
	writeFile(t, dir, "kb/b.md", "---\ntitle: T\n---\n")
	for name, path := range sources {
		t.Run(name+" fn error", func(t *testing.T) {
			stop := errors.New("stop")
			n := 0
			err := indexer.ReadSource(context.Background(), path, "", func(indexer.Record) error {
				n++
				return stop
			})
			if !errors.Is(err, stop) || n != 1 {
				t.Errorf("err %v after %d records, want stop after 1", err, n)
			}
		})
		t.Run(name+" cancelled", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			err := indexer.ReadSource(ctx, path, "", func(indexer.Record) error {
				n++
				cancel()
				return nil
			})
			if !errors.Is(err, context.Canceled) || n != 1 {
				t.Errorf("err %v after %d records, want context.Canceled after 1", err, n)
			}
		})
	}
}

// TestReadSourceFromAPipeWithNoWriter reads a named pipe no one writes
// to: the read must end when its context does, not wait for a writer.
func TestReadSourceFromAPipeWithNoWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.jsonl")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := indexer.ReadSource(ctx, path, "", func(indexer.Record) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("ReadSource of a pipe with no writer: %v after %s, want the context's error at once", err, time.Since(start))
	}
	// Let the abandoned open finish, so the test leaves nothing waiting.
	if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		w.Close()
	}
}

// TestReadCSVRefusesARepeatedColumn checks that a header naming a column
// twice is an error naming it, not a file whose second column wins.
func TestReadCSVRefusesARepeatedColumn(t *testing.T) {
	path := writeFile(t, t.TempDir(), "a.csv", "id,title,Title\nkb-1,One,Two\n")
	_, err := readAll(t, path, "")
	if err == nil || !strings.Contains(err.Error(), `column "title" is both column 2 and column 3`) {
		t.Errorf("repeated column: %v", err)
	}
}

// TestReadJSONLinesSkipsAByteOrderMark checks that a JSON Lines file
// that starts with a byte order mark keeps its first record.
func TestReadJSONLinesSkipsAByteOrderMark(t *testing.T) {
	path := writeFile(t, t.TempDir(), "a.jsonl", "\ufeff{\"id\":\"kb-1\",\"title\":\"One\"}\n{\"id\":\"kb-2\",\"title\":\"Two\"}\n")
	recs, err := readAll(t, path, "")
	if err != nil || len(recs) != 2 || recs[0].Err != nil || recs[0].Change.ID != "kb-1" {
		t.Errorf("records %+v, %v; want kb-1 and kb-2", recs, err)
	}
}

// TestFrontMatterErrorsCountFileLines checks that a YAML error in front
// matter names the line of the file, not of the front matter.
func TestFrontMatterErrorsCountFileLines(t *testing.T) {
	// Line 1 is ---; the bad mapping is on line 4 of the file, line 3 of
	// the front matter.
	path := writeFile(t, t.TempDir(), "bad.md", "---\nid: kb-1\ntitle: fine\nowner: team: identity\n---\nBody\n")
	recs, err := readAll(t, path, "")
	if err != nil || len(recs) != 1 || recs[0].Err == nil {
		t.Fatalf("records %+v, %v; want one with an error", recs, err)
	}
	if msg := recs[0].Err.Error(); !strings.Contains(msg, "line 4:") {
		t.Errorf("error %q, want it on line 4 of the file", msg)
	}
}
