// Package helpdesktest gives the help desk connectors' tests a corpus to
// export in each desk's format and a check that an import kept every field
// of the export: the demo corpus's articles and tickets (testdata/demo),
// repeated with numbered variants up to the size asked for, always the
// same for the same size.
package helpdesktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Corpus returns n articles and m tickets made from the demo corpus. The
// k-th copy of a document has "-k" after its id and " (k)" after its
// title or subject, and is dated k days later.
func Corpus(t testing.TB, n, m int) ([]models.Article, []models.Ticket) {
	t.Helper()
	var arts []models.Article
	var ticks []models.Ticket
	readLines(t, "articles.jsonl", func(b []byte) error {
		var a models.Article
		err := json.Unmarshal(b, &a)
		arts = append(arts, a)
		return err
	})
	readLines(t, "tickets.jsonl", func(b []byte) error {
		var tk models.Ticket
		err := json.Unmarshal(b, &tk)
		ticks = append(ticks, tk)
		return err
	})
	outA := make([]models.Article, n)
	for i := range outA {
		a := arts[i%len(arts)]
		if k := i / len(arts); k > 0 {
			a.ID = fmt.Sprintf("%s-%d", a.ID, k)
			a.Title = fmt.Sprintf("%s (%d)", a.Title, k)
			a.UpdatedAt = a.UpdatedAt.AddDate(0, 0, k)
		}
		outA[i] = a
	}
	outT := make([]models.Ticket, m)
	for i := range outT {
		tk := ticks[i%len(ticks)]
		if k := i / len(ticks); k > 0 {
			tk.ID = fmt.Sprintf("%s-%d", tk.ID, k)
			tk.Subject = fmt.Sprintf("%s (%d)", tk.Subject, k)
			tk.CreatedAt = tk.CreatedAt.AddDate(0, 0, k)
			if !tk.ResolvedAt.IsZero() {
				tk.ResolvedAt = tk.ResolvedAt.AddDate(0, 0, k)
			}
		}
		outT[i] = tk
	}
	return outA, outT
}

// readLines calls fn with each line of testdata/demo/name.
func readLines(t testing.TB, name string, fn func([]byte) error) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "demo", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// Write writes v as JSON to the file name in dir and returns its path.
func Write(t testing.TB, dir, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// KeptEveryField reports, as test errors, the members of the source
// record src that the document doc (its JSON, as sift export writes it)
// lost: each must be in doc under prefix and its name with the same
// value, or be copied unchanged to the Sift field same names.
func KeptEveryField(t testing.TB, where string, src any, doc any, prefix string, same map[string]string) {
	t.Helper()
	s, d := members(t, src), members(t, doc)
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if equal(s[k], d[prefix+k]) {
			continue
		}
		if f, ok := same[k]; ok && equal(s[k], d[f]) {
			continue
		}
		t.Errorf("%s: field %s = %s lost: the document has %s = %s (and %s = %s)", where, k, s[k], prefix+k, d[prefix+k], same[k], d[same[k]])
	}
}

func members(t testing.TB, v any) map[string]json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func equal(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// ReadAll reads files in order with d and returns every record.
func ReadAll(t testing.TB, d helpdesk.Desk, files ...string) []helpdesk.Record {
	t.Helper()
	var out []helpdesk.Record
	for _, f := range files {
		err := helpdesk.Read(context.Background(), d, f, func(r helpdesk.Record) error {
			out = append(out, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// ReadClean reads files in order with d, fails the test unless it reads
// want records and none with an error, and returns them.
func ReadClean(t testing.TB, d helpdesk.Desk, want int, files ...string) []helpdesk.Record {
	t.Helper()
	recs := ReadAll(t, d, files...)
	for _, r := range recs {
		if r.Err != nil {
			t.Fatalf("%s:%d: %v", r.Source, r.Line, r.Err)
		}
	}
	if len(recs) != want {
		t.Fatalf("read %d records, want %d", len(recs), want)
	}
	return recs
}

// Import is what CheckImport reads and checks: a desk's export files, the
// source record of each document id, how many articles and tickets there
// must be, and how the desk maps fields (see KeptEveryField).
type Import struct {
	Desk                    helpdesk.Desk
	Files                   []string
	Source                  map[string]any
	Articles, Tickets       int
	Prefix                  string
	SameArticle, SameTicket map[string]string
}

// CheckImport reads the export and fails the test unless every record was
// read without error, there are as many articles and tickets as wanted,
// and each kept every field of its source record. It logs the rate and
// returns the records.
func CheckImport(t testing.TB, im Import) []helpdesk.Record {
	t.Helper()
	start := time.Now()
	recs := ReadClean(t, im.Desk, im.Articles+im.Tickets, im.Files...)
	elapsed := time.Since(start)
	var arts, ticks int
	for _, r := range recs {
		c := r.Change
		// A document whose id names no source record would be compared
		// with null, which has no fields to lose.
		src, ok := im.Source[c.ID]
		if !ok {
			t.Fatalf("%s: %s %s has no source record", r.Source, c.Kind, c.ID)
		}
		switch c.Kind {
		case models.KindArticle:
			arts++
			KeptEveryField(t, r.Source, src, c.Article, im.Prefix, im.SameArticle)
		case models.KindTicket:
			ticks++
			KeptEveryField(t, r.Source, src, c.Ticket, im.Prefix, im.SameTicket)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	if arts != im.Articles || ticks != im.Tickets {
		t.Fatalf("read %d articles and %d tickets, want %d and %d", arts, ticks, im.Articles, im.Tickets)
	}
	t.Logf("read %d articles and %d tickets in %v (%.0f records/s)", arts, ticks, elapsed.Round(time.Millisecond), float64(len(recs))/elapsed.Seconds())
	return recs
}

// FuzzDesk feeds a desk's importer and webhook receiver arbitrary bodies,
// seeded with the desk's fixtures: neither may panic, and every record
// read must be a valid change or carry an error.
func FuzzDesk(f *testing.F, desk func() helpdesk.Desk, changes func([]byte) ([]models.Change, error), seeds ...string) {
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := helpdesk.Records(context.Background(), desk(), "fuzz", body, func(r helpdesk.Record) error {
			if r.Err == nil && r.Change.ID == "" {
				t.Errorf("a record without an id and without an error: %+v", r.Change)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if cs, err := changes(body); err == nil {
			for _, c := range cs {
				if c.ID == "" {
					t.Errorf("a webhook change without an id: %+v", c)
				}
			}
		}
	})
}
