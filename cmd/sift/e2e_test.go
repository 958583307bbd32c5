package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk/jira"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// siftBinary builds the sift binary once per test run.
func siftBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sift-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sift")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// runSift runs the binary to completion and returns stdout, stderr and
// the exit code.
func runSift(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(siftBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var summaryRE = regexp.MustCompile(`(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) deleted, (\d+) skipped`)

func summary(t *testing.T, stdout string) string {
	t.Helper()
	m := summaryRE.FindString(stdout)
	if m == "" {
		t.Fatalf("no summary in output:\n%s", stdout)
	}
	return m
}

func TestIndexCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	articles := filepath.Join(dir, "articles.jsonl")
	write(t, articles, `{"id":"KB-1","title":"Reset your password","body":"Use the **reset** link."}
{"id":"KB-2","title":"Track a parcel","visibility":"internal","legacy_id":42}
`)
	tickets := filepath.Join(dir, "tickets.csv")
	write(t, tickets, "id,portal,subject,priority\nCS-1,customer,Parcel late,high\n")
	kb := filepath.Join(dir, "kb")
	write(t, filepath.Join(kb, "kb-3.md"), "---\ntitle: Change your plan\ntags: [plans, billing]\n---\nOpen **Settings**.\n")

	stdout, stderr, code := runSift(t, nil, "index", "--data", data, articles, tickets, kb)
	if code != 0 {
		t.Fatalf("first run exit %d\n%s%s", code, stdout, stderr)
	}
	if got, want := summary(t, stdout), "4 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"; got != want {
		t.Errorf("first run: %q, want %q", got, want)
	}

	// Re-running is idempotent; SIFT_DATA stands in for --data.
	stdout, _, code = runSift(t, []string{"SIFT_DATA=" + data}, "index", articles, tickets, kb)
	if got, want := summary(t, stdout), "0 added, 0 updated, 4 unchanged, 0 deleted, 0 skipped"; code != 0 || got != want {
		t.Errorf("second run: exit %d, %q, want %q", code, got, want)
	}

	// A malformed line is reported by file and line and skipped; the rest
	// is indexed, the exit code is 1, and nothing indexed before is lost.
	write(t, articles, `{"id":"KB-1","title":"Reset your password now","body":"Use the **reset** link."}
{"id":"KB-2","title":
`)
	stdout, stderr, code = runSift(t, nil, "index", "--data", data, "--delete-missing", articles)
	if code != 1 {
		t.Errorf("malformed line: exit %d, want 1", code)
	}
	if !strings.Contains(stderr, articles+":2: skipped") {
		t.Errorf("stderr does not locate the bad line:\n%s", stderr)
	}
	if !strings.Contains(stderr, "--delete-missing not applied") {
		t.Errorf("stderr does not say delete-missing was held back:\n%s", stderr)
	}
	if got, want := summary(t, stdout), "0 added, 1 updated, 0 unchanged, 0 deleted, 1 skipped"; got != want {
		t.Errorf("malformed run: %q, want %q", got, want)
	}

	// With clean sources, --delete-missing removes the article no longer
	// there, and only articles: the ticket and CSV are other kinds/sources.
	write(t, articles, `{"id":"KB-1","title":"Reset your password now","body":"Use the **reset** link."}`+"\n")
	stdout, stderr, code = runSift(t, nil, "index", "--data", data, "--delete-missing", articles)
	if got, want := summary(t, stdout), "0 added, 0 updated, 1 unchanged, 2 deleted, 0 skipped"; code != 0 || got != want {
		t.Errorf("delete-missing: exit %d, %q, want %q\n%s", code, got, want, stderr)
	}

	// The ticket survived: re-indexing it finds it unchanged.
	stdout, _, _ = runSift(t, nil, "index", "--data", data, tickets)
	if got, want := summary(t, stdout), "0 added, 0 updated, 1 unchanged, 0 deleted, 0 skipped"; got != want {
		t.Errorf("ticket after delete-missing: %q, want %q", got, want)
	}
}

func TestUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "Commands:"},
		{nil, 2, "Commands:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"index", "--help"}, 0, "[$SIFT_DATA]"},
		{[]string{"serve", "--help"}, 0, "[$SIFT_ADDR]"},
		{[]string{"demo", "--help"}, 0, "[$SIFT_CORPUS]"},
		{[]string{"index"}, 2, "name at least one FILE"},
		{[]string{"index", "--kind", "poem", "x.jsonl"}, 1, "--kind"},
		{[]string{"index", "--data", "", "x.jsonl"}, 1, "--data is required"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := runSift(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", code, tc.code, stderr, tc.want)
			}
		})
	}
}

// startSift starts a long-running subcommand and waits until it logs the
// address it serves on and, for sift demo, until it has printed its
// banner; keys holds the banner's API keys by label ("admin", "agent",
// "analyst", "portal-customer", "portal-itsm").
func startSift(t *testing.T, args ...string) (base string, keys map[string]string, stop func() int) {
	t.Helper()
	base, keys, _, stop = launchSift(t, args...)
	return base, keys, stop
}

// launchSift is startSift that also returns the process, for tests that
// kill it.
func launchSift(t *testing.T, args ...string) (base string, keys map[string]string, cmd *exec.Cmd, stop func() int) {
	t.Helper()
	cmd = exec.Command(siftBinary(t), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	banner := make(chan map[string]string, 1)
	var logs bytes.Buffer
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := regexp.MustCompile(`msg=serving addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() {
		keyLine := regexp.MustCompile(`^\s+([a-z-]+)\s+(sk_\S+)$`)
		shellLine := regexp.MustCompile(`^\s+((?:[A-Z]+=sk_[^;\s]+;? ?)+)$`)
		found := map[string]string{}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := keyLine.FindStringSubmatch(sc.Text()); m != nil {
				found[m[1]] = m[2]
			}
			if m := shellLine.FindStringSubmatch(sc.Text()); m != nil {
				for _, assignment := range strings.Split(m[1], ";") {
					if name, value, ok := strings.Cut(strings.TrimSpace(assignment), "="); ok {
						found[name] = value // the line to paste: CUST=...; ITSM=...
					}
				}
			}
			if strings.HasPrefix(sc.Text(), "Try:") {
				banner <- found
			}
		}
	}()
	stop = func() int {
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		return 0
	}
	timeout := time.After(30 * time.Second)
	select {
	case base = <-addr:
		base = "http://" + base
	case <-timeout:
		stop()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("sift %v did not start serving:\n%s", args, logs.String())
	}
	if args[0] != "demo" {
		return base, nil, cmd, stop
	}
	select {
	case keys = <-banner:
		return base, keys, cmd, stop
	case <-timeout:
		stop()
		t.Fatalf("sift %v printed no banner with keys", args)
	}
	return "", nil, nil, nil
}

// adminKey creates an admin key in a data directory with sift keys, or,
// given --database-url, in that database.
func adminKey(t *testing.T, data string, db ...string) string {
	t.Helper()
	args := append([]string{"keys", "create", "--data", data, "--role", "admin", "--name", "e2e"}, db...)
	stdout, stderr, code := runSift(t, nil, args...)
	if code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, stderr)
	}
	return strings.TrimSpace(stdout)
}

// call sends a request with an API key and returns the response; the
// caller closes its body.
func call(t *testing.T, key, method, url, body string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// getJSON GETs url with key and decodes the answer into into.
func getJSON(t *testing.T, key, url string, into any) int {
	t.Helper()
	resp := call(t, key, http.MethodGet, url, "")
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

// TestDemoServesTheCorpus runs sift demo as a newcomer would and uses the
// API it serves, then stops it with SIGTERM.
func TestDemoServesTheCorpus(t *testing.T) {
	t.Setenv("SIFT_JIRA_WEBHOOK_SECRET", "jira-secret-e2e") // the server's environment
	base, keys, stop := startSift(t, "demo", "--addr", "127.0.0.1:0", "--corpus", filepath.Join("..", "..", "testdata", "demo"))
	for _, label := range []string{"portal-customer", "portal-itsm", "agent", "analyst", "admin"} {
		if !strings.HasPrefix(keys[label], "sk_") {
			t.Errorf("the banner has no %s key: %v", label, keys)
		}
	}
	// The line to paste for the README's examples names the same keys.
	for variable, label := range map[string]string{"CUST": "portal-customer", "ITSM": "portal-itsm", "AGENT": "agent", "ANALYST": "analyst", "ADMIN": "admin"} {
		if keys[variable] != keys[label] {
			t.Errorf("the banner's %s=%q, want the %s key %q", variable, keys[variable], label, keys[label])
		}
	}
	var sug struct {
		Suggestions []struct{ Kind, ID, Text string }
	}
	if code := getJSON(t, keys["portal-customer"], base+"/v1/suggest?q=pasword+res", &sug); code != 200 || len(sug.Suggestions) == 0 {
		t.Errorf("suggest: status %d, %+v", code, sug)
	}
	var problem struct{ Code string }
	if code := getJSON(t, "", base+"/v1/suggest?q=pasword+res", &problem); code != 401 || problem.Code != "unauthorized" {
		t.Errorf("suggest without a key: status %d, %+v", code, problem)
	}
	if code := getJSON(t, keys["analyst"], base+"/v1/suggest?q=pasword+res", &problem); code != 403 {
		t.Errorf("suggest with an analyst key: status %d, %+v", code, problem)
	}
	var health struct {
		Status string
		Ready  map[string]string
	}
	// Embeddings and classifiers are built in the background after start:
	// until they are, the server says it is starting, and which.
	if code := getJSON(t, "", base+"/healthz", &health); code != 200 || health.Ready["full_text"] != "ready" ||
		health.Status != "ok" && (health.Status != "starting" || !slices.Contains(slices.Collect(maps.Values(health.Ready)), "preparing")) {
		t.Errorf("healthz: %d %+v", code, health)
	}

	resp := call(t, keys["admin"], http.MethodPut, base+"/v1/articles/KB-NEW", `{"title":"Quokka mode on the thermostat"}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("PUT article: status %d", resp.StatusCode)
	}
	var res struct{ Hits []struct{ ID string } }
	getJSON(t, keys["portal-customer"], base+"/v1/search?q=quokka", &res)
	if len(res.Hits) != 1 || res.Hits[0].ID != "KB-NEW" {
		t.Errorf("search right after PUT: %+v", res.Hits)
	}
	checkWebhooksServed(t, base, keys["admin"])
	if code := stop(); code != 0 {
		t.Errorf("demo exited %d after SIGTERM, want 0", code)
	}
}

// checkWebhooksServed checks that sift serve takes a help desk's webhook
// (Jira's, whose secret the test set) and refuses it badly signed, and
// manages outbound subscriptions.
func checkWebhooksServed(t *testing.T, base, admin string) {
	t.Helper()
	body := `{"webhookEvent":"jira:issue_created","issue":{"id":"20001","key":"ITSM-E2E","fields":{"summary":"Badge reader at the side door is dead","created":"2026-11-29T08:15:00.000+0000"}}}`
	post := func(signature string) int {
		req, err := http.NewRequest(http.MethodPost, base+"/v1/hooks/jira", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(jira.SignatureHeader, signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	mac := hmac.New(sha256.New, []byte("jira-secret-e2e"))
	mac.Write([]byte(body))
	if code := post("sha256=" + hex.EncodeToString(make([]byte, 32))); code != http.StatusUnauthorized {
		t.Errorf("Jira webhook with a bad signature: status %d, want 401", code)
	}
	var tk struct{ ID, Subject string }
	if code := getJSON(t, admin, base+"/v1/tickets/ITSM-E2E", &tk); code != http.StatusNotFound {
		t.Errorf("a refused webhook wrote its ticket: status %d, %+v", code, tk)
	}
	if code := post("sha256=" + hex.EncodeToString(mac.Sum(nil))); code != http.StatusOK {
		t.Errorf("signed Jira webhook: status %d, want 200", code)
	}
	if code := getJSON(t, admin, base+"/v1/tickets/ITSM-E2E", &tk); code != http.StatusOK || tk.Subject != "Badge reader at the side door is dead" {
		t.Errorf("ticket of the signed webhook: status %d, %+v", code, tk)
	}
	resp := call(t, admin, http.MethodPost, base+"/v1/subscriptions",
		`{"id":"status-page","url":"https://status.example/hook","secret":"a-long-enough-secret","events":["known_issue.opened"]}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST /v1/subscriptions: status %d, want 201", resp.StatusCode)
	}
}

// TestKeysAndFullTextRebuild manages keys with sift keys over a data
// directory whose full-text index was removed, and checks that sift serve
// rebuilds the index from the store, honours the keys and filters
// restricted articles by a portal's end-user headers.
func TestKeysAndFullTextRebuild(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	articles := filepath.Join(dir, "articles.jsonl")
	write(t, articles, `{"id":"KB-1","title":"Reset your camera password"}
{"id":"KB-2","title":"Reset a camera of the pro line","products":["cams-pro"],"tiers":["gold"]}
`)
	if _, stderr, code := runSift(t, nil, "index", "--data", data, articles); code != 0 {
		t.Fatalf("index: exit %d: %s", code, stderr)
	}
	if err := os.RemoveAll(filepath.Join(data, "fulltext")); err != nil {
		t.Fatal(err)
	}
	portal, stderr, code := runSift(t, nil, "keys", "create", "--data", data, "--role", "portal", "--portal", "customer", "--name", "web")
	if code != 0 || !strings.Contains(stderr, "shown only once") {
		t.Fatalf("keys create: exit %d: %s", code, stderr)
	}
	portal = strings.TrimSpace(portal)
	if _, stderr, code := runSift(t, nil, "keys", "create", "--data", data, "--role", "portal"); code != 1 || !strings.Contains(stderr, "--portal") {
		t.Errorf("portal key without a portal: exit %d: %s", code, stderr)
	}
	doomed := adminKey(t, data)
	list, _, _ := runSift(t, nil, "keys", "list", "--data", data)
	id := ""
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, "admin") {
			id = strings.Fields(line)[0]
		}
	}
	if strings.Contains(list, portal) || strings.Contains(list, doomed) || id == "" {
		t.Fatalf("keys list shows a secret, or no admin key:\n%s", list)
	}
	if out, stderr, code := runSift(t, nil, "keys", "revoke", "--data", data, id); code != 0 || !strings.Contains(out, "revoked "+id) {
		t.Fatalf("keys revoke: exit %d: %s%s", code, out, stderr)
	}

	base, _, stop := startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
	defer stop()
	var problem struct{ Code string }
	if code := getJSON(t, doomed, base+"/v1/search?q=camera", &problem); code != 401 {
		t.Errorf("revoked key: status %d %+v", code, problem)
	}
	search := func(headers map[string]string) []string {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/v1/search?q=reset+camera", nil)
		req.Header.Set("Authorization", "Bearer "+portal)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res struct{ Hits []struct{ ID string } }
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != 200 {
			t.Fatalf("search: %d %v", resp.StatusCode, err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		return ids
	}
	if got := search(nil); len(got) != 1 || got[0] != "KB-1" {
		t.Errorf("no entitlements: hits %v, want KB-1 only", got)
	}
	if got := search(map[string]string{"X-Sift-Products": "cams-pro", "X-Sift-Tier": "gold"}); len(got) != 2 {
		t.Errorf("entitled: hits %v, want both articles", got)
	}
}
