package main

import (
	"net/http"
	"path/filepath"
	"testing"
)

// TestKnownIssuesEndToEnd indexes an incident from a file and writes one
// over the API, and checks through sift serve that search shows each to
// the portal that may see it, after a restart too, and nothing once it is
// resolved.
func TestKnownIssuesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	corpus := filepath.Join(dir, "corpus.jsonl")
	write(t, corpus, `{"id":"KB-1","title":"Camera shows offline","body":"Restart the camera and check Wi-Fi."}
{"id":"inc-cams","title":"Cameras offline after firmware 4.2.1","status":"identified","message":"Rolling back.","keywords":["E-423"]}
`)
	if _, stderr, code := runSift(t, nil, "index", "--embedder", "none", "--data", data, corpus); code != 0 {
		t.Fatalf("index: exit %d: %s", code, stderr)
	}
	key := adminKey(t, data)
	notices := func(base, portal, q string) []string {
		t.Helper()
		var res struct {
			KnownIssues []struct{ ID string } `json:"known_issues"`
		}
		getJSON(t, key, base+"/v1/search?portal="+portal+"&q="+q, &res)
		var ids []string
		for _, k := range res.KnownIssues {
			ids = append(ids, k.ID)
		}
		return ids
	}
	base, _, stop := startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
	if got := notices(base, "customer", "error+E-423"); len(got) != 1 || got[0] != "inc-cams" {
		t.Errorf("customer search for E-423: known issues %v, want inc-cams (from the file)", got)
	}
	resp := call(t, key, http.MethodPut, base+"/v1/incidents/inc-vpn", `{"title":"VPN gateway certificate expired","message":"Renewing.","visibility":"internal","keywords":["vpn"]}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT incident: %d", resp.StatusCode)
	}
	if got := notices(base, "itsm", "vpn+down"); len(got) != 1 || got[0] != "inc-vpn" {
		t.Errorf("itsm search for vpn: %v, want inc-vpn", got)
	}
	if got := notices(base, "customer", "vpn+down"); len(got) != 0 {
		t.Errorf("customer search for vpn: %v, want none (internal)", got)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	base, _, stop = startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
	defer stop()
	if got := notices(base, "itsm", "vpn+down"); len(got) != 1 {
		t.Errorf("after a restart, itsm search for vpn: %v, want inc-vpn", got)
	}
	resp = call(t, key, http.MethodPut, base+"/v1/incidents/inc-vpn", `{"title":"VPN gateway certificate expired","message":"Fixed.","status":"resolved","visibility":"internal","keywords":["vpn"]}`)
	resp.Body.Close()
	if got := notices(base, "itsm", "vpn+down"); len(got) != 0 {
		t.Errorf("after resolving: %v, want none", got)
	}
}
