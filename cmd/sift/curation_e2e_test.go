package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
)

// TestCurationEndToEnd sets curation rules from a file (sift index) and
// over the API, and checks through sift serve that search, deflection and
// type-ahead pin, hide and boost as told, say which rule fired, keep the
// reader's access rules, survive a restart and stop when deleted.
func TestCurationEndToEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	corpus := filepath.Join(dir, "corpus.jsonl")
	write(t, corpus, `{"id":"KB-1","title":"Refunds for returned items","category":"Returns"}
{"id":"KB-2","title":"Refund timeline after a cancelled order","category":"Billing"}
{"id":"KB-3","title":"Refund policy for subscriptions","category":"Billing"}
{"id":"KB-4","title":"Contact us about money matters","category":"Help"}
{"id":"KB-5","title":"Agent runbook: goodwill refunds","category":"Billing","visibility":"internal"}
{"id":"refunds","portal":"customer","query":"refund","pins":[{"article":"KB-4","position":1}],"hide":["KB-3"]}
`)
	if _, stderr, code := runSift(t, nil, "index", "--embedder", "none", "--data", data, corpus); code != 0 {
		t.Fatalf("index: exit %d: %s", code, stderr)
	}
	key := adminKey(t, data)
	base, _, stop := startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")

	var res struct {
		Matched bool
		Rules   []string
		Hits    []struct {
			ID        string
			Relevance float64
			Explain   struct{ Rule string }
		}
	}
	getJSON(t, key, base+"/v1/search?portal=customer&retrieval=text&explain=true&q=Refund", &res)
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	if len(ids) == 0 || ids[0] != "KB-4" || slices.Contains(ids, "KB-3") || !slices.Equal(res.Rules, []string{"refunds"}) || res.Hits[0].Explain.Rule != "refunds" || res.Hits[0].Relevance != 1 || !res.Matched {
		t.Errorf("customer 'Refund': hits %q, rules %q, first %+v, matched %v; want KB-4 pinned first by refunds, KB-3 hidden", ids, res.Rules, res.Hits, res.Matched)
	}
	if got := textSearchIDs(t, key, base, "itsm", "refund"); slices.Contains(got, "KB-4") || !slices.Contains(got, "KB-3") {
		t.Errorf("itsm 'refund': %q; the rule is the customer portal's", got)
	}
	if got := textSearchIDs(t, key, base, "customer", "refund policy"); !slices.Contains(got, "KB-3") {
		t.Errorf("customer 'refund policy': %q; an exact rule does not fire on more words", got)
	}
	var sug struct {
		Rules       []string
		Suggestions []struct{ ID string }
	}
	getJSON(t, key, base+"/v1/suggest?portal=customer&q=refund", &sug)
	if len(sug.Suggestions) == 0 || sug.Suggestions[0].ID != "KB-4" || !slices.Equal(sug.Rules, []string{"refunds"}) {
		t.Errorf("suggest 'refund': %+v; want KB-4 pinned first", sug)
	}

	// Over the API: an ITSM rule that boosts Billing, pins an internal
	// runbook, and (for customers, who may not see it) would pin nothing.
	resp := call(t, key, http.MethodPut, base+"/v1/curations/itsm-refunds",
		`{"query":"refund","match":"contains","boost":[{"category":"Billing","factor":5}],"pins":[{"article":"KB-5","position":1}]}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT curation: %d", resp.StatusCode)
	}
	if got := textSearchIDs(t, key, base, "itsm", "refund for my order"); len(got) < 2 || got[0] != "KB-5" || got[1] != "KB-2" {
		t.Errorf("itsm 'refund for my order': %q, want KB-5 pinned, then KB-2 boosted", got)
	}
	if got := textSearchIDs(t, key, base, "customer", "refund timeline"); slices.Contains(got, "KB-5") {
		t.Errorf("customer 'refund timeline': %q shows an internal article a rule pinned", got)
	}
	var deflect struct {
		Rules    []string
		Articles []struct{ ID string }
	}
	resp = call(t, key, http.MethodPost, base+"/v1/deflect", `{"portal":"itsm","subject":"Refund for a customer","body":"how much goodwill can I give"}`)
	if err := json.NewDecoder(resp.Body).Decode(&deflect); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(deflect.Articles) == 0 || deflect.Articles[0].ID != "KB-5" || !slices.Contains(deflect.Rules, "itsm-refunds") {
		t.Errorf("itsm deflect: %+v, want KB-5 pinned by itsm-refunds", deflect)
	}
	resp = call(t, key, http.MethodPut, base+"/v1/curations/bad", `{"query":"refund","boost":[{"category":"Billing","factor":50}]}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a factor of 50: %d, want 400", resp.StatusCode)
	}
	var list struct {
		Curations []struct {
			ID        string
			UpdatedBy string `json:"updated_by"`
			UpdatedAt string `json:"updated_at"`
		}
	}
	getJSON(t, key, base+"/v1/curations", &list)
	if len(list.Curations) != 2 || list.Curations[0].ID != "itsm-refunds" || list.Curations[0].UpdatedBy == "" || list.Curations[0].UpdatedAt == "" {
		t.Errorf("rules: %+v, want 2 in id order, the API's with who and when", list.Curations)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	base, _, stop = startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
	defer stop()
	if got := textSearchIDs(t, key, base, "customer", "refund"); len(got) == 0 || got[0] != "KB-4" {
		t.Errorf("after restart: %q, want KB-4 pinned first", got)
	}
	resp = call(t, key, http.MethodDelete, base+"/v1/curations/refunds", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if got := textSearchIDs(t, key, base, "customer", "refund"); !slices.Contains(got, "KB-3") || len(got) > 0 && got[0] == "KB-4" {
		t.Errorf("after delete: %q", got)
	}
}
