package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

// TestIndexFromHelpDesks imports each help desk's export with sift index
// --from, writes it back with sift export, and checks that every record
// arrived with every source field: mapped to a Sift field or kept under
// the desk's prefix. Each desk package's TestImportLargeExport reads
// exports of 500 articles and 2,000 tickets; here the exports are
// smaller, since indexing is what takes the time.
func TestIndexFromHelpDesks(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 1,000 documents")
	}
	const n, m = 50, 200
	exports := map[string]func(testing.TB, int, int) ([]string, map[string]any){
		"zendesk": helpdesktest.Zendesk, "servicenow": helpdesktest.ServiceNow,
		"jira": helpdesktest.Jira, "freshdesk": helpdesktest.Freshdesk,
	}
	for _, desk := range []string{"zendesk", "servicenow", "jira", "freshdesk"} {
		t.Run(desk, func(t *testing.T) {
			files, src := exports[desk](t, n, m)
			data := filepath.Join(t.TempDir(), "data")
			stdout, stderr, code := runSift(t, nil, append([]string{"index", "--data", data, "--from", desk}, files...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if got, want := summary(t, stdout), fmt.Sprintf("%d added, 0 updated, 0 unchanged, 0 deleted, 0 skipped", n+m); got != want {
				t.Errorf("%q, want %q", got, want)
			}
			t.Log(strings.TrimSpace(stdout))

			stdout, stderr, code = runSift(t, nil, "export", "--data", data)
			if code != 0 {
				t.Fatalf("export: exit %d\n%s", code, stderr)
			}
			seen := 0
			sc := bufio.NewScanner(strings.NewReader(stdout))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var doc map[string]json.RawMessage
				if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				var id string
				if err := json.Unmarshal(doc["id"], &id); err != nil {
					t.Fatal(err)
				}
				rec, ok := src[id]
				if !ok {
					continue // another kind of record
				}
				seen++
				keptEveryField(t, desk, id, rec, doc)
			}
			if seen != n+m {
				t.Errorf("export has %d of the %d documents", seen, n+m)
			}
		})
	}
}

// keptEveryField fails the test when the exported document doc lost a
// member of its source record: every member is either under the desk's
// prefix in doc with the same value, or is the value of one of doc's own
// fields (ids, titles, subjects and the like).
func keptEveryField(t *testing.T, desk, id string, rec any, doc map[string]json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var src map[string]json.RawMessage
	if err := json.Unmarshal(b, &src); err != nil {
		t.Fatal(err)
	}
	if desk == "jira" { // issue fields are kept one by one
		var fields map[string]json.RawMessage
		if json.Unmarshal(src["fields"], &fields) == nil && fields != nil {
			delete(src, "fields")
			for k, v := range fields {
				src["fields."+k] = v
			}
		}
	}
	own := map[string]bool{}
	for k, v := range doc {
		if !strings.HasPrefix(k, desk+".") {
			own[canonical(v)] = true
		}
	}
	for k, v := range src {
		if canonical(doc[desk+"."+k]) == canonical(v) || own[canonical(v)] {
			continue
		}
		t.Fatalf("%s %s: field %s = %s lost", desk, id, k, v)
	}
}

// canonical re-encodes a JSON value so that equal values compare equal.
func canonical(v json.RawMessage) string {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return "\x00invalid"
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// TestFromAutoTellsTheDesks reads every desk's fixture files with --from
// auto, in one run, and checks that each file went to its desk (every
// record read, none refused), and that a file of Sift's own records is
// refused with a message saying to name the desk.
func TestFromAutoTellsTheDesks(t *testing.T) {
	read, err := helpdeskReader("auto")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]string{
		"zendesk":    {"user_segments.json", "articles.json", "tickets.json"},
		"servicenow": {"kb_knowledge.json", "incident.json", "sc_req_item.csv"},
		"jira":       {"pages.json", "issues.json"},
		"freshdesk":  {"categories.json", "folders.json", "companies.json", "groups.json", "articles.json", "tickets.json"},
	}
	records := 0
	for _, desk := range []string{"zendesk", "servicenow", "jira", "freshdesk"} {
		for _, f := range files[desk] {
			path := filepath.Join("..", "..", "indexer", "helpdesk", desk, "testdata", f)
			err := read(t.Context(), path, func(r indexer.Record) error {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Location(), r.Err)
				}
				if prefix := desk + "."; !strings.Contains(string(mustMarshal(t, r.Change)), prefix) && !r.Change.Delete {
					t.Errorf("%s: read as another desk's (no %s fields)", r.Location(), prefix)
				}
				records++
				return nil
			})
			if err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
	}
	if records != 18 {
		t.Errorf("read %d records, want the fixtures' 18", records)
	}
	// A Zendesk ticket has "fields" too, as a Jira issue has.
	zd := filepath.Join(t.TempDir(), "tickets.json")
	write(t, zd, `{"tickets":[{"id":1,"subject":"s","via":{"channel":"web"},"fields":[{"id":7,"value":"x"}]}]}`)
	err = read(t.Context(), zd, func(r indexer.Record) error {
		if r.Err != nil || !strings.Contains(string(mustMarshal(t, r.Change)), `"zendesk.fields"`) {
			t.Errorf("a Zendesk ticket with fields: %+v, %v", r.Change.Ticket, r.Err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	err = read(t.Context(), filepath.Join("..", "..", "testdata", "demo", "articles.jsonl"), func(indexer.Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "--from") {
		t.Errorf("Sift's own records: %v, want an error naming --from", err)
	}
}

// mustMarshal encodes a change's document as sift export writes it.
func mustMarshal(t *testing.T, c models.Change) []byte {
	t.Helper()
	var doc any = c.Article
	if c.Ticket != nil {
		doc = c.Ticket
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
