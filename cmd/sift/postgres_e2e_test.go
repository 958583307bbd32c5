package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/postgres"
)

// testDatabase returns the URL of a fresh schema in the database at base,
// dropped when the test ends.
func testDatabase(t *testing.T, base string) string {
	t.Helper()
	url, drop, err := postgres.NewSchema(context.Background(), base, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drop(context.Background()) })
	return url
}

func needDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SIFT_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("set SIFT_TEST_DATABASE_URL to run the PostgreSQL tests (.ci/postgres.sh start prints one)")
	}
	return base
}

// TestExportIndexRoundTrip moves a corpus embedded → PostgreSQL → embedded
// with sift export and sift index, and checks every step exports the same
// bytes, unknown fields included.
func TestExportIndexRoundTrip(t *testing.T) {
	db := testDatabase(t, needDatabase(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "src.jsonl")
	write(t, src, `{"id":"KB-1","title":"Reset your password","body":"Use the **reset** link.","x_owner":{"team":"desk"}}
{"id":"KB-2","title":"VPN for staff","visibility":"internal","legacy_id":42}
{"id":"CS-1","portal":"customer","subject":"Parcel late","org":"Acme","priority":"high","x_sla":"gold"}
{"query":"track my order","portal":"customer","count":7}
`)
	run := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := runSift(t, nil, args...)
		if code != 0 {
			t.Fatalf("sift %v: exit %d\n%s", args, code, stderr)
		}
		return stdout
	}
	emb1, emb2 := filepath.Join(dir, "emb1"), filepath.Join(dir, "emb2")
	run("index", "--embedder", "none", "--data", emb1, src)
	first := run("export", "--data", emb1)
	if n := strings.Count(first, "\n"); n != 4 {
		t.Fatalf("export wrote %d lines, want 4:\n%s", n, first)
	}
	if !strings.Contains(first, `"x_owner":{"team":"desk"}`) || !strings.Contains(first, `"x_sla":"gold"`) {
		t.Errorf("unknown fields lost:\n%s", first)
	}
	exported := filepath.Join(dir, "exported.jsonl")
	write(t, exported, first)

	if got := summary(t, run("index", "--embedder", "none", "--database-url", db, exported)); got != "4 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped" {
		t.Errorf("index into PostgreSQL: %s", got)
	}
	if got := summary(t, run("index", "--embedder", "none", "--database-url", db, exported)); got != "0 added, 0 updated, 4 unchanged, 0 deleted, 0 skipped" {
		t.Errorf("index into PostgreSQL again: %s", got)
	}
	// With the built-in embedder, the stored documents get vectors and the
	// HNSW indexes are built after the load.
	if got := summary(t, run("index", "--embedder", "use", "--database-url", db, exported)); got != "0 added, 0 updated, 4 unchanged, 0 deleted, 0 skipped" {
		t.Errorf("index into PostgreSQL with the embedder: %s", got)
	}
	fromDB := run("export", "--database-url", db)
	if fromDB != first {
		t.Errorf("export from PostgreSQL differs:\n%s\nwant\n%s", fromDB, first)
	}
	if tickets := run("export", "--database-url", db, "--kind", "ticket"); strings.Count(tickets, "\n") != 1 || !strings.Contains(tickets, "CS-1") {
		t.Errorf("--kind ticket exported:\n%s", tickets)
	}
	back := filepath.Join(dir, "back.jsonl")
	write(t, back, fromDB)
	run("index", "--embedder", "none", "--data", emb2, back)
	if again := run("export", "--data", emb2); again != first {
		t.Errorf("embedded → PostgreSQL → embedded differs:\n%s\nwant\n%s", again, first)
	}
	if _, stderr, code := runSift(t, nil, "export", "--data", filepath.Join(dir, "nothing")); code != 1 || !strings.Contains(stderr, "no store there") {
		t.Errorf("export of a missing directory: exit %d, %s", code, stderr)
	}
}

// pgScript runs .ci/postgres.sh for the server on port and returns its
// last line of output.
func pgScript(t *testing.T, port, action string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join("..", "..", ".ci", "postgres.sh"), action)
	cmd.Env = append(os.Environ(), "SIFT_PG_PORT="+port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf(".ci/postgres.sh %s: %v\n%s", action, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// restartPort is the port of the server the restart test stops and starts,
// a cluster of its own so that other tests' database stays up.
const restartPort = "55433"

// TestServeSurvivesDatabaseRestart writes articles through sift serve over
// PostgreSQL while the database is stopped and started again: writes fail
// with 503 and a clear problem while it is down, search and type-ahead keep
// answering, /healthz reports it, the server reconnects by itself, and no
// acknowledged write is lost.
func TestServeSurvivesDatabaseRestart(t *testing.T) {
	needDatabase(t)
	if os.Geteuid() != 0 {
		t.Skip("the restart test runs its own server with .ci/postgres.sh, which needs root")
	}
	db := testDatabase(t, pgScript(t, restartPort, "start"))
	t.Cleanup(func() { pgScript(t, restartPort, "stop") })
	key := adminKey(t, t.TempDir(), "--database-url", db)
	base, _, stop := startSift(t, "serve", "--addr", "127.0.0.1:0", "--embedder", "none", "--data", t.TempDir(), "--database-url", db, "--rate-limit", "0")
	defer stop()

	var mu sync.Mutex
	var acked, refused []string
	unavailable, other := 0, []string{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: 10 * time.Second}
		for i := 0; ctx.Err() == nil; i++ {
			id := fmt.Sprintf("W-%04d", i)
			req, _ := http.NewRequest(http.MethodPut, base+"/v1/articles/"+id, strings.NewReader(fmt.Sprintf(`{"title":"Write number %d"}`, i)))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := client.Do(req)
			if err != nil {
				mu.Lock()
				other = append(other, err.Error())
				mu.Unlock()
				continue
			}
			var p struct{ Code, Detail string }
			json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			mu.Lock()
			switch {
			case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
				acked = append(acked, id)
			case resp.StatusCode == http.StatusServiceUnavailable && p.Code == "unavailable" && strings.Contains(p.Detail, "database is unavailable"):
				unavailable++
				refused = append(refused, id)
			default:
				other = append(other, fmt.Sprintf("%s: %d %+v", id, resp.StatusCode, p))
			}
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	}()
	count := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), unavailable
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("%s: not within 30s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("20 writes before the restart", func() bool { n, _ := count(); return n >= 20 })

	pgScript(t, restartPort, "stop")
	waitFor("writes failing with 503", func() bool { _, u := count(); return u >= 5 })
	var sug struct{ Suggestions []struct{ ID string } }
	if code := getJSON(t, key, base+"/v1/suggest?q=write+num", &sug); code != 200 || len(sug.Suggestions) == 0 {
		t.Errorf("type-ahead while the database is down: %d %+v", code, sug)
	}
	var res struct{ Hits []struct{ ID string } }
	if code := getJSON(t, key, base+"/v1/search?q=write", &res); code != 200 || len(res.Hits) == 0 {
		t.Errorf("search while the database is down: %d %+v", code, res)
	}
	var health struct {
		Status string
		Checks map[string]string
	}
	if code := getJSON(t, "", base+"/healthz", &health); code != 200 || health.Status != "degraded" || health.Checks["database"] != "unavailable" {
		t.Errorf("healthz while the database is down: %d %+v", code, health)
	}

	pgScript(t, restartPort, "start")
	before, _ := count()
	waitFor("20 writes after the restart", func() bool { n, _ := count(); return n >= before+20 })
	cancel()
	<-done
	if code := getJSON(t, "", base+"/healthz", &health); code != 200 || health.Status != "ok" {
		t.Errorf("healthz after the restart: %d %+v", code, health)
	}

	stdout, stderr, code := runSift(t, nil, "export", "--database-url", db, "--kind", "article")
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range acked {
		if !strings.Contains(stdout, `"id":"`+id+`"`) {
			t.Errorf("acknowledged write %s is not in the database", id)
		}
	}
	// A write answered "not written" must not have been: a client would
	// give it up, or retry a delete that happened.
	for _, id := range refused {
		if strings.Contains(stdout, `"id":"`+id+`"`) {
			t.Errorf("write %s was refused with 503 but is in the database", id)
		}
	}
	if len(other) > 0 {
		t.Errorf("%d writes failed otherwise than with 503, first: %s", len(other), other[0])
	}
	t.Logf("%d writes acknowledged and kept, %d refused with 503 while the database was down", len(acked), unavailable)
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
}

// TestTwoServeReplicas runs two sift serve processes over one database: an
// article written through one is found by search and type-ahead on the
// other within 2 seconds, and so is its deletion; a synonym rule
// or curation rule written through one is used by the other as soon.
func TestTwoServeReplicas(t *testing.T) {
	db := testDatabase(t, needDatabase(t))
	// One key, made once in the database, works on both replicas.
	key := adminKey(t, t.TempDir(), "--database-url", db)
	args := []string{"serve", "--addr", "127.0.0.1:0", "--embedder", "none", "--database-url", db}
	a, _, stopA := startSift(t, append(args, "--data", t.TempDir())...)
	defer stopA()
	b, _, stopB := startSift(t, append(args, "--data", t.TempDir())...)
	defer stopB()

	resp := call(t, key, http.MethodPut, a+"/v1/articles/KB-77", `{"title":"Quokka mode on the thermostat"}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT on replica A: %d", resp.StatusCode)
	}
	seen := func(base string) bool {
		var res struct{ Hits []struct{ ID string } }
		var sug struct{ Suggestions []struct{ ID string } }
		getJSON(t, key, base+"/v1/search?q=quokka", &res)
		getJSON(t, key, base+"/v1/suggest?q=quok", &sug)
		return len(res.Hits) == 1 && res.Hits[0].ID == "KB-77" && len(sug.Suggestions) == 1
	}
	start := time.Now()
	for !seen(b) {
		if time.Since(start) > 2*time.Second {
			t.Fatal("replica B does not find replica A's write within 2s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("replica B found A's write after %s", time.Since(start).Round(time.Millisecond))

	resp = call(t, key, http.MethodDelete, b+"/v1/articles/KB-77", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE on replica B: %d", resp.StatusCode)
	}
	start = time.Now()
	for seen(a) {
		if time.Since(start) > 2*time.Second {
			t.Fatal("replica A still finds the article B deleted after 2s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A synonym rule written through B is used by A.
	resp = call(t, key, http.MethodPut, a+"/v1/articles/KB-78", `{"title":"Wombat setup on the hub"}`)
	resp.Body.Close()
	resp = call(t, key, http.MethodPut, b+"/v1/synonyms/marsupials", `{"synonyms":["wombat","koala bear"]}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT synonym on replica B: %d", resp.StatusCode)
	}
	start = time.Now()
	for {
		var res struct{ Hits []struct{ ID string } }
		if getJSON(t, key, a+"/v1/search?q=koala+bear&retrieval=text", &res); len(res.Hits) == 1 && res.Hits[0].ID == "KB-78" {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("replica A does not use replica B's synonym rule within 2s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And a curation rule.
	resp = call(t, key, http.MethodPut, b+"/v1/curations/wombats", `{"query":"hub setup","pins":[{"article":"KB-78","position":1}]}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT curation on replica B: %d", resp.StatusCode)
	}
	start = time.Now()
	for {
		var res struct{ Rules []string }
		if getJSON(t, key, a+"/v1/search?q=hub+setup&retrieval=text", &res); len(res.Rules) == 1 {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("replica A does not use replica B's curation rule within 2s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var health struct {
		Status string
		Checks map[string]string
	}
	if getJSON(t, "", a+"/healthz", &health); health.Status != "ok" || health.Checks["database"] != "ok" {
		t.Errorf("healthz: %+v", health)
	}
	if code := stopA(); code != 0 {
		t.Errorf("replica A exited %d", code)
	}
}
