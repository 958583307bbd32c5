package models_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

func TestArticleJSONKeepsUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the re-encoding
	}{
		{
			name: "known fields only",
			in:   `{"id":"kb-1","title":"Reset a password","tags":["login"],"views":3}`,
			want: `{"id":"kb-1","title":"Reset a password","tags":["login"],"views":3}`,
		},
		{
			name: "unknown scalar members sorted after the known ones",
			in:   `{"zeta":true,"id":"kb-1","alpha":1.5,"title":"T"}`,
			want: `{"id":"kb-1","title":"T","alpha":1.5,"zeta":true}`,
		},
		{
			name: "nested object and array kept as written, compacted",
			in:   `{"id":"kb-1","title":"T","meta":{ "b": [1, {"c": null}], "a": "x" },"list":[ "p", "q" ]}`,
			want: `{"id":"kb-1","title":"T","list":["p","q"],"meta":{"b":[1,{"c":null}],"a":"x"}}`,
		},
		{
			name: "unknown member that is null",
			in:   `{"id":"kb-1","title":"T","legacy":null}`,
			want: `{"id":"kb-1","title":"T","legacy":null}`,
		},
		{
			name: "time kept",
			in:   `{"id":"kb-1","title":"T","updated_at":"2024-03-01T10:00:00Z","source":"zendesk"}`,
			want: `{"id":"kb-1","title":"T","updated_at":"2024-03-01T10:00:00Z","source":"zendesk"}`,
		},
		{
			// json.Marshal escapes <, > and & in every string; unknown
			// members are kept in that form so that decoding the
			// encoding gives an equal article.
			name: "unknown member with HTML characters",
			in:   `{"id":"kb-1","title":"T","note":"a<b & c"}`,
			want: `{"id":"kb-1","title":"T","note":"a\u003cb \u0026 c"}`,
		},
		{
			// encoding/json matches "ID" to the id field, so it must not
			// also come back as an unknown member that overrides "id".
			name: "known key in another case is not kept twice",
			in:   `{"ID":"kb-old","id":"kb-1","Title":"T"}`,
			want: `{"id":"kb-1","title":"T"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a models.Article
			if err := json.Unmarshal([]byte(tc.in), &a); err != nil {
				t.Fatalf("decode: %v", err)
			}
			got, err := json.Marshal(a)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("encode:\n got %s\nwant %s", got, tc.want)
			}
			// A second round trip changes nothing.
			var b models.Article
			if err := json.Unmarshal(got, &b); err != nil {
				t.Fatalf("decode again: %v", err)
			}
			again, err := json.Marshal(b)
			if err != nil {
				t.Fatalf("encode again: %v", err)
			}
			if string(again) != string(got) {
				t.Errorf("second round trip:\n got %s\nwant %s", again, got)
			}
			if b.ID != a.ID || b.Title != a.Title {
				t.Errorf("second decode: id %q title %q, want %q %q", b.ID, b.Title, a.ID, a.Title)
			}
		})
	}
}

func TestTicketJSONKeepsUnknownFields(t *testing.T) {
	in := `{"custom":{"sla":{"hours":4,"breached":false}},"id":"T-1","portal":"itsm","subject":"VPN down","priority":"high","created_at":"2024-01-02T03:04:05Z","channel":"email"}`
	want := `{"id":"T-1","portal":"itsm","subject":"VPN down","priority":"high","created_at":"2024-01-02T03:04:05Z","channel":"email","custom":{"sla":{"hours":4,"breached":false}}}`
	var tk models.Ticket
	if err := json.Unmarshal([]byte(in), &tk); err != nil {
		t.Fatal(err)
	}
	if got := string(tk.Extra["custom"]); got != `{"sla":{"hours":4,"breached":false}}` {
		t.Errorf("Extra[custom] = %s", got)
	}
	got, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("encode:\n got %s\nwant %s", got, want)
	}
}

func TestArticleJSONDeterministic(t *testing.T) {
	a := models.Article{ID: "kb-1", Title: "T", Extra: models.Extra{}}
	for _, k := range []string{"q", "b", "z", "a", "m", "c", "y", "d"} {
		a.Extra[k] = json.RawMessage(`"` + k + `"`)
	}
	first, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"kb-1","title":"T","a":"a","b":"b","c":"c","d":"d","m":"m","q":"q","y":"y","z":"z"}`
	if string(first) != want {
		t.Fatalf("got %s\nwant %s", first, want)
	}
	for i := range 20 { // map iteration order varies between runs
		got, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(first) {
			t.Fatalf("encoding %d differs:\n got %s\nwant %s", i, got, first)
		}
	}
}

func TestArticleJSONErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		wantField string // of models.ExplainJSON(err)
	}{
		{"tags not a list", `{"id":"a","title":"t","tags":"x"}`, "tags"},
		{"views a string", `{"id":"a","title":"t","views":"many"}`, "views"},
		{"title a number", `{"id":"a","title":7}`, "title"},
		{"updated_at not a time", `{"id":"a","title":"t","updated_at":"yesterday"}`, "updated_at"},
		{"updated_at a date and half a time", `{"id":"a","title":"t","updated_at":"2024-01-02T10"}`, "updated_at"},
		{"not an object", `[1,2]`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a models.Article
			err := models.ExplainJSON(json.Unmarshal([]byte(tc.in), &a))
			var me *models.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %v (%T) is not a *models.Error", err, err)
			}
			if me.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%v)", me.Field, tc.wantField, err)
			}
			if !errors.Is(err, models.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
		})
	}
}

func validArticle() models.Article {
	return models.Article{ID: "kb-1", Title: "Reset your password", Body: "Open **Settings**."}
}

func TestArticleNormalize(t *testing.T) {
	a := models.Article{
		ID:       "  kb-1 ",
		Title:    "\tReset  ",
		Category: " Account ",
		Product:  " Portal",
		Tags:     []string{" Login", "login", "", "  ", "SSO", "sso "},
	}
	a.Normalize()
	if a.ID != "kb-1" || a.Title != "Reset" || a.Category != "Account" || a.Product != "Portal" {
		t.Errorf("trimmed fields: %+v", a)
	}
	if got, want := strings.Join(a.Tags, ","), "login,sso"; got != want {
		t.Errorf("tags = %q, want %q", got, want)
	}
	if a.Visibility != models.VisibilityPublic {
		t.Errorf("visibility = %q, want public", a.Visibility)
	}
	if err := a.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestArticleValidate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*models.Article)
		wantField string
		wantErr   error
	}{
		{"missing id", func(a *models.Article) { a.ID = "" }, "id", models.ErrInvalid},
		{"blank id", func(a *models.Article) { a.ID = "   " }, "id", models.ErrInvalid},
		{"id with a slash", func(a *models.Article) { a.ID = "kb/1" }, "id", models.ErrInvalid},
		{"id too long", func(a *models.Article) { a.ID = strings.Repeat("a", models.MaxIDLength+1) }, "id", models.ErrInvalid},
		{"missing title", func(a *models.Article) { a.Title = " " }, "title", models.ErrInvalid},
		{"title too long", func(a *models.Article) { a.Title = strings.Repeat("t", models.MaxTitleLength+1) }, "title", models.ErrTooLarge},
		{"title not UTF-8", func(a *models.Article) { a.Title = "bad \xff" }, "title", models.ErrInvalid},
		{"body too large", func(a *models.Article) { a.Body = strings.Repeat("b", models.MaxTextBytes+1) }, "body", models.ErrTooLarge},
		{"body not UTF-8", func(a *models.Article) { a.Body = "\xc3\x28" }, "body", models.ErrInvalid},
		{"too many tags", func(a *models.Article) {
			for i := range models.MaxTags + 1 {
				a.Tags = append(a.Tags, "t"+strings.Repeat("x", i))
			}
		}, "tags", models.ErrInvalid},
		{"tag too long", func(a *models.Article) { a.Tags = []string{strings.Repeat("t", models.MaxTagLength+1)} }, "tags", models.ErrTooLarge},
		{"category too long", func(a *models.Article) { a.Category = strings.Repeat("c", models.MaxLabelLength+1) }, "category", models.ErrTooLarge},
		{"product too long", func(a *models.Article) { a.Product = strings.Repeat("p", models.MaxLabelLength+1) }, "product", models.ErrTooLarge},
		{"unknown visibility", func(a *models.Article) { a.Visibility = "secret" }, "visibility", models.ErrInvalid},
		{"visibility in capitals", func(a *models.Article) { a.Visibility = "Internal" }, "visibility", models.ErrInvalid},
		{"negative views", func(a *models.Article) { a.Views = -1 }, "views", models.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := validArticle()
			tc.edit(&a)
			a.Normalize()
			err := a.Validate()
			checkFieldError(t, err, tc.wantField, tc.wantErr)
			// NewArticleChange runs the same checks.
			a2 := validArticle()
			tc.edit(&a2)
			_, err = models.NewArticleChange(&a2)
			checkFieldError(t, err, tc.wantField, tc.wantErr)
		})
	}
}

// checkFieldError checks that err is a *models.Error about field that
// matches want with errors.Is.
func checkFieldError(t *testing.T, err error, field string, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one about %q", field)
	}
	var me *models.Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *models.Error", err, err)
	}
	if me.Field != field {
		t.Errorf("Field = %q, want %q (%v)", me.Field, field, err)
	}
	if !errors.Is(err, want) {
		t.Errorf("errors.Is(%v, %v) = false", err, want)
	}
	if !strings.HasPrefix(err.Error(), field+": ") {
		t.Errorf("message %q does not start with the field name", err)
	}
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"a", true},
		{"KB-1001", true},
		{"portal:kb_1.2-x", true},
		{strings.Repeat("x", models.MaxIDLength), true},
		{"", false},
		{strings.Repeat("x", models.MaxIDLength+1), false},
		{"has space", false},
		{"slash/inside", false},
		{"question?", false},
		{"percent%20", false},
		{"émile", false},
		{"tab\t", false},
		{"nul\x00", false},
		{".", false},
		{"..", false},
		{"...", true},
		{".hidden", true},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			err := models.ValidateID(tc.id)
			if tc.ok {
				if err != nil {
					t.Errorf("ValidateID(%q) = %v, want nil", tc.id, err)
				}
				return
			}
			checkFieldError(t, err, "id", models.ErrInvalid)
		})
	}
}

func TestContentHash(t *testing.T) {
	change := func(t *testing.T, a models.Article) models.Change {
		t.Helper()
		c, err := models.NewArticleChange(&a)
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != models.KindArticle || c.ID != a.ID || c.Article == nil || c.Delete {
			t.Fatalf("change = %+v", c)
		}
		if len(c.Hash) != 32 {
			t.Fatalf("hash %q is not 16 hex bytes", c.Hash)
		}
		return c
	}
	base := models.Article{
		ID: "kb-1", Title: "Reset", Body: "Body", Tags: []string{"a", "b"},
		UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Extra:     models.Extra{"source": json.RawMessage(`"zendesk"`)},
	}
	baseHash := change(t, base).Hash

	t.Run("equal documents", func(t *testing.T) {
		same := base
		same.Tags = []string{"a", "b"}
		same.Extra = models.Extra{"source": json.RawMessage(`"zendesk"`)}
		if got := change(t, same).Hash; got != baseHash {
			t.Errorf("hash %s, want %s", got, baseHash)
		}
	})
	t.Run("equal after normalisation", func(t *testing.T) {
		messy := base
		messy.ID = " kb-1 "
		messy.Title = "Reset  "
		messy.Tags = []string{"A", " b", "a"}
		messy.Visibility = ""
		if got := change(t, messy).Hash; got != baseHash {
			t.Errorf("hash %s, want %s", got, baseHash)
		}
	})
	edits := []struct {
		name string
		edit func(*models.Article)
	}{
		{"title", func(a *models.Article) { a.Title = "Reset it" }},
		{"body", func(a *models.Article) { a.Body += "." }},
		{"tags", func(a *models.Article) { a.Tags = []string{"a"} }},
		{"tag order", func(a *models.Article) { a.Tags = []string{"b", "a"} }},
		{"visibility", func(a *models.Article) { a.Visibility = models.VisibilityInternal }},
		{"views", func(a *models.Article) { a.Views = 1 }},
		{"updated_at", func(a *models.Article) { a.UpdatedAt = a.UpdatedAt.Add(time.Second) }},
		{"extra value", func(a *models.Article) { a.Extra = models.Extra{"source": json.RawMessage(`"freshdesk"`)} }},
		{"extra dropped", func(a *models.Article) { a.Extra = nil }},
	}
	for _, e := range edits {
		t.Run("changed "+e.name, func(t *testing.T) {
			a := base
			a.Tags = []string{"a", "b"}
			e.edit(&a)
			if got := change(t, a).Hash; got == baseHash {
				t.Errorf("hash unchanged after changing %s", e.name)
			}
		})
	}
}

func TestNewDelete(t *testing.T) {
	c := models.NewDelete(models.KindTicket, "T-1")
	if !c.Delete || c.Kind != models.KindTicket || c.ID != "T-1" || c.Ticket != nil {
		t.Errorf("NewDelete = %+v", c)
	}
}

// TestDateOnlyTimes checks that a time given as a date alone, as ITSM
// exports often write them, reads as that day's midnight, UTC.
func TestDateOnlyTimes(t *testing.T) {
	var a models.Article
	if err := json.Unmarshal([]byte(`{"id":"a","title":"t","Updated_At":"2024-01-02"}`), &a); err != nil {
		t.Fatal(err)
	}
	var tk models.Ticket
	if err := json.Unmarshal([]byte(`{"id":"T-1","subject":"s","created_at": "2026-01-01","resolved_at":"2026-01-03T08:00:00Z"}`), &tk); err != nil {
		t.Fatal(err)
	}
	want := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	if !a.UpdatedAt.Equal(want(2024, 1, 2)) || !tk.CreatedAt.Equal(want(2026, 1, 1)) || tk.ResolvedAt.Hour() != 8 {
		t.Errorf("updated_at %v, created_at %v, resolved_at %v", a.UpdatedAt, tk.CreatedAt, tk.ResolvedAt)
	}
}
