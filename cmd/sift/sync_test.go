package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

// TestSyncCommandResumesAfterAKill runs sift sync zendesk against a local
// server that speaks Zendesk's API (and answers 429 now and then), kills
// the process with SIGKILL once it has saved a page of tickets, runs it
// again, and checks that the data directory then holds every article and
// ticket once, that the second run went on rather than starting over, and
// that the token never reached the output.
func TestSyncCommandResumesAfterAKill(t *testing.T) {
	f := helpdesktest.NewFakeZendesk(t, 40, 600)
	f.Lock()
	f.Every, f.RetryAfter, f.Delay = 7, "1", 30*time.Millisecond
	f.Unlock()
	data := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(), "SIFT_ZENDESK_URL="+f.URL, "SIFT_ZENDESK_EMAIL=agent@example.com", "SIFT_ZENDESK_TOKEN="+f.Token)

	cmd := exec.Command(siftBinary(t), "sync", "--data", data, "zendesk")
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cursors := filepath.Join(data, "sync", "zendesk.json")
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(cursors)
		if strings.Contains(string(b), `"tickets"`) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no page of tickets saved in a minute:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	first := out.String()

	cmd = exec.Command(siftBinary(t), "sync", "--data", data, "zendesk")
	cmd.Env = env
	second, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("second sync: %v\n%s", err, second)
	}
	t.Logf("after the kill: %s", strings.TrimSpace(string(second)))
	if !strings.Contains(string(second), "synced zendesk") || strings.Contains(string(second), " 640 upserts") {
		t.Errorf("the second sync did not go on from the cursor:\n%s", second)
	}
	if f.Limited == 0 {
		t.Error("the server never answered 429")
	}
	if strings.Contains(first+string(second), f.Token) {
		t.Error("the token reached the output")
	}

	exported, stderr, code := runSift(t, nil, "export", "--data", data)
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(exported))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var doc struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		seen[doc.ID]++
	}
	if len(seen) != 640 {
		t.Errorf("export has %d documents, want 40 articles and 600 tickets", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s exported %d times", id, n)
		}
	}

	// A ticket deleted in the desk is deleted by the next sync.
	f.Touch(3, true)
	cmd = exec.Command(siftBinary(t), "sync", "--data", data, "zendesk")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), " 1 deletes") {
		t.Fatalf("sync after a delete: %v\n%s", err, out)
	}
	exported, _, _ = runSift(t, nil, "export", "--data", data, "--kind", "ticket")
	if strings.Contains(exported, `"id":"5003"`) || strings.Count(exported, "\n") != 599 {
		t.Errorf("after the delete the export has %d tickets, ticket 5003 among them: %v", strings.Count(exported, "\n"), strings.Contains(exported, `"id":"5003"`))
	}
}
