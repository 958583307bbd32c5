package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// token is a word made of letters only, unique to n, that no English
// stemmer changes, so a search for it finds exactly the document that
// carries it.
func token(n int) string {
	var b strings.Builder
	b.WriteString("zq")
	for {
		b.WriteByte(byte('a' + n%26))
		n /= 26
		if n == 0 {
			break
		}
	}
	return b.String() + "x"
}

// crashWriter is one client writing articles to a server until it dies,
// remembering what the server acknowledged.
type crashWriter struct {
	base   string
	key    string // an admin key
	client *http.Client
	prefix string
	// acked is the last acknowledged state of each article it wrote: its
	// token, or "" once a delete was acknowledged.
	acked map[string]string
	tried map[string]string // the token of every article upserted, acknowledged or not
	// unsure is the article whose last write was sent but not answered
	// when the server died: it may or may not have been applied.
	unsure string
}

// run writes (three upserts, then a delete of an earlier article, over and
// over) until a request fails, which it takes as the server's death.
func (w *crashWriter) run(seq *int, mu *sync.Mutex) {
	for i := 0; ; i++ {
		var req *http.Request
		var id, tok string
		if i%4 == 3 {
			id = fmt.Sprintf("%s-%d", w.prefix, i-2)
			req, _ = http.NewRequest(http.MethodDelete, w.base+"/v1/articles/"+id, nil)
		} else {
			mu.Lock()
			*seq++
			tok = token(*seq)
			mu.Unlock()
			id = fmt.Sprintf("%s-%d", w.prefix, i)
			body, _ := json.Marshal(models.Article{ID: id, Title: "Crash test " + tok, Body: "Written before the kill: " + tok + "."})
			req, _ = http.NewRequest(http.MethodPut, w.base+"/v1/articles/"+id, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		if tok != "" {
			w.tried[id] = tok
		}
		req.Header.Set("Authorization", "Bearer "+w.key)
		w.unsure = id
		resp, err := w.client.Do(req)
		if err != nil {
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return
		}
		w.acked[id], w.unsure = tok, ""
	}
}

// searchIDs returns the ids of the articles a search for q finds on the
// ITSM portal, which sees every article.
func searchIDs(t *testing.T, key, base, q string) []string {
	t.Helper()
	var res struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if code := getJSON(t, key, base+"/v1/search?portal=itsm&limit=50&q="+url.QueryEscape(q), &res); code != http.StatusOK {
		t.Fatalf("search %q: status %d", q, code)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// TestServeSurvivesSIGKILL kills sift serve with SIGKILL while four
// clients write and delete articles, restarts it, and checks that every
// acknowledged write is there (an upsert readable and found by search, a
// delete gone from both) and that, for every article written, acknowledged
// or not, the full-text index agrees with the store. Three rounds over one
// data directory.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the server; skipped with -short")
	}
	data := t.TempDir()
	key := adminKey(t, data)
	args := []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none", "--rate-limit", "0"}
	seq := 0
	var mu sync.Mutex
	acked := map[string]string{}
	tried := map[string]string{}
	for round := range 3 {
		base, _, cmd, _ := launchSift(t, args...)
		writers := make([]*crashWriter, 4)
		var wg sync.WaitGroup
		for i := range writers {
			writers[i] = &crashWriter{base: base, key: key, client: &http.Client{Timeout: 10 * time.Second},
				prefix: fmt.Sprintf("r%dw%d", round, i), acked: map[string]string{}, tried: map[string]string{}}
			wg.Go(func() { writers[i].run(&seq, &mu) })
		}
		time.Sleep(time.Duration(400+300*round) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		wg.Wait()
		n := 0
		for _, w := range writers {
			for id, tok := range w.acked {
				acked[id] = tok
			}
			delete(acked, w.unsure)
			for id, tok := range w.tried {
				tried[id] = tok
			}
			n += len(w.acked)
		}
		if n == 0 {
			t.Fatalf("round %d: the server acknowledged no write before the kill", round)
		}
		t.Logf("round %d: %d writes acknowledged before SIGKILL", round, n)
	}

	base, _, stop := startSift(t, args...)
	defer stop()
	for id, tok := range acked {
		var a models.Article
		code := getJSON(t, key, base+"/v1/articles/"+id, &a)
		if tok == "" {
			if code != http.StatusNotFound {
				t.Errorf("%s: acknowledged delete, but GET answers %d", id, code)
			}
			continue
		}
		if code != http.StatusOK || !strings.Contains(a.Title, tok) {
			t.Errorf("%s: acknowledged upsert with %s, but GET answers %d with %q", id, tok, code, a.Title)
		}
		if hits := searchIDs(t, key, base, tok); len(hits) != 1 || hits[0] != id {
			t.Errorf("%s: acknowledged upsert, but a search for %s finds %v", id, tok, hits)
		}
	}
	// Every article ever upserted: the store (GET) and the full-text
	// index (a search for its token) agree.
	for id, tok := range tried {
		var a models.Article
		stored := getJSON(t, key, base+"/v1/articles/"+id, &a) == http.StatusOK
		hits := searchIDs(t, key, base, tok)
		found := len(hits) == 1 && hits[0] == id
		if stored != found {
			t.Errorf("%s: in the store %v, in the full-text index %v", id, stored, found)
		}
	}
}

// TestIndexSurvivesSIGKILL kills sift index with SIGKILL in the middle of
// a large source, checks on reopening that the full-text index holds
// exactly the documents of the store, then re-runs the index to the end.
func TestIndexSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the indexer; skipped with -short")
	}
	dir := t.TempDir()
	const n = 40_000
	var src bytes.Buffer
	for i := range n {
		line, _ := json.Marshal(models.Article{ID: fmt.Sprintf("a%05d", i), Title: "Article " + token(i), Body: "About " + token(i) + "."})
		src.Write(line)
		src.WriteByte('\n')
	}
	source := filepath.Join(dir, "articles.jsonl")
	write(t, source, src.String())
	data := filepath.Join(dir, "data")

	cmd := exec.Command(siftBinary(t), "index", "--data", data, "--embedder", "none", source)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once the store has grown past its first batches.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(filepath.Join(data, "store.db")); err == nil && fi.Size() > 1<<20 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("sift index finished before the kill; the source is too small to test a crash")
	}

	d, err := openDataDir(data, 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := d.bolt.Count(context.Background(), models.KindArticle)
	if err != nil {
		t.Fatal(err)
	}
	indexed, err := d.text.Count()
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	t.Logf("killed after %d of %d articles were stored", stored, n)
	if stored == 0 || stored == n {
		t.Fatalf("%d articles stored at the kill; want a run cut in the middle", stored)
	}
	if int(indexed) != stored {
		t.Errorf("after the kill: %d articles in the store, %d in the full-text index", stored, indexed)
	}

	stdout, stderr, code := runSift(t, nil, "index", "--data", data, "--embedder", "none", source)
	if code != 0 {
		t.Fatalf("re-run: exit %d\n%s%s", code, stdout, stderr)
	}
	if want := fmt.Sprintf("%d added, 0 updated, %d unchanged", n-stored, stored); !strings.Contains(stdout, want) {
		t.Errorf("re-run summary %q, want %q", strings.TrimSpace(stdout), want)
	}
}
