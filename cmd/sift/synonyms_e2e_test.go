package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSynonymsEndToEnd defines synonym rules from a file (sift index) and
// over the API, and checks through sift serve that search and type-ahead
// use them on their portal only, one-way rules one way, that they are
// listed, survive a restart, and stop working when deleted.
func TestSynonymsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	corpus := filepath.Join(dir, "corpus.jsonl")
	write(t, corpus, `{"id":"KB-1","title":"Laptop battery drains overnight","body":"Close the lid and check sleep settings."}
{"id":"KB-2","title":"MacBook keyboard repeats keys","visibility":"internal"}
{"id":"notebooks","synonyms":["notebook","laptop"]}
`)
	if _, stderr, code := runSift(t, nil, "index", "--embedder", "none", "--data", data, corpus); code != 0 {
		t.Fatalf("index: exit %d: %s", code, stderr)
	}
	key := adminKey(t, data)
	serve := func() (string, func() int) {
		base, _, stop := startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
		return base, stop
	}
	search := func(base, portal, q string) []string { return textSearchIDs(t, key, base, portal, q) }
	suggest := func(base, portal, q string) []string {
		t.Helper()
		var res struct{ Suggestions []struct{ ID string } }
		getJSON(t, key, base+"/v1/suggest?"+"portal="+portal+"&q="+strings.ReplaceAll(q, " ", "+"), &res)
		var ids []string
		for _, s := range res.Suggestions {
			if s.ID != "" {
				ids = append(ids, s.ID)
			}
		}
		return ids
	}
	put := func(base, id, body string) int {
		t.Helper()
		resp := call(t, key, http.MethodPut, base+"/v1/synonyms/"+id, body)
		resp.Body.Close()
		return resp.StatusCode
	}

	base, stop := serve()
	// The rule from the file, on both portals.
	for _, portal := range []string{"customer", "itsm"} {
		if got := search(base, portal, "notebook battery"); !slices.Contains(got, "KB-1") {
			t.Errorf("%s: search 'notebook battery' = %q, want KB-1 through the file's rule", portal, got)
		}
		if got := suggest(base, portal, "notebook batt"); !slices.Contains(got, "KB-1") {
			t.Errorf("%s: suggest 'notebook batt' = %q, want KB-1", portal, got)
		}
	}
	// A one-way rule of the ITSM portal: "chromebook" finds laptops there only.
	if code := put(base, "chromebook", `{"portal":"itsm","input":"chromebook","synonyms":["laptop"]}`); code != http.StatusCreated {
		t.Fatalf("PUT one-way rule: %d", code)
	}
	if got := search(base, "itsm", "chromebook"); !slices.Contains(got, "KB-1") {
		t.Errorf("itsm: search 'chromebook' = %q, want KB-1", got)
	}
	if got := suggest(base, "itsm", "chromebook"); !slices.Contains(got, "KB-1") {
		t.Errorf("itsm: suggest 'chromebook' = %q, want KB-1", got)
	}
	if got := search(base, "customer", "chromebook"); slices.Contains(got, "KB-1") {
		t.Errorf("customer: search 'chromebook' = %q; the rule is the ITSM portal's", got)
	}
	// A multi-way rule works both ways.
	if code := put(base, "macs", `{"portal":"itsm","synonyms":["macbook","mac laptop"]}`); code != http.StatusCreated {
		t.Fatalf("PUT multi-way rule: %d", code)
	}
	if got := search(base, "itsm", "mac laptop keyboard"); len(got) == 0 || got[0] != "KB-2" {
		t.Errorf("itsm: search 'mac laptop keyboard' = %q, want KB-2 first", got)
	}
	resp := call(t, key, http.MethodPut, base+"/v1/synonyms/bad", `{"synonyms":["alone"]}`)
	var problem struct{ Code, Field string }
	json.NewDecoder(resp.Body).Decode(&problem)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || problem.Field != "synonyms" {
		t.Errorf("a one-phrase multi-way rule: %d %+v, want 400 naming synonyms", resp.StatusCode, problem)
	}
	var list struct {
		Synonyms []struct {
			ID, Portal, Input string
			UpdatedBy         string `json:"updated_by"`
		}
	}
	getJSON(t, key, base+"/v1/synonyms?portal=customer", &list)
	if len(list.Synonyms) != 1 || list.Synonyms[0].ID != "notebooks" {
		t.Errorf("customer rules: %+v, want the file's rule only", list.Synonyms)
	}
	getJSON(t, key, base+"/v1/synonyms", &list)
	if len(list.Synonyms) != 3 || list.Synonyms[0].ID != "chromebook" || list.Synonyms[0].UpdatedBy == "" {
		t.Errorf("all rules: %+v, want 3 in id order, the API's with updated_by", list.Synonyms)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	// After a restart the rules still apply; deleted, they stop.
	base, stop = serve()
	defer stop()
	if got := search(base, "itsm", "chromebook"); !slices.Contains(got, "KB-1") {
		t.Errorf("after restart: search 'chromebook' = %q, want KB-1", got)
	}
	resp = call(t, key, http.MethodDelete, base+"/v1/synonyms/chromebook", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if got := search(base, "itsm", "chromebook"); slices.Contains(got, "KB-1") {
		t.Errorf("after delete: search 'chromebook' = %q", got)
	}
	resp = call(t, key, http.MethodDelete, base+"/v1/synonyms/chromebook", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("DELETE again: %d, want 404", resp.StatusCode)
	}
}

// textSearchIDs returns the ids of the hits of a text search on a portal.
func textSearchIDs(t *testing.T, key, base, portal, q string) []string {
	t.Helper()
	var res struct{ Hits []struct{ ID string } }
	getJSON(t, key, base+"/v1/search?portal="+portal+"&retrieval=text&q="+url.QueryEscape(q), &res)
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}
