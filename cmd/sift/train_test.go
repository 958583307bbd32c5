package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainThenClassify trains on the demo tickets through the binary and
// classifies a new ticket through the API a restarted server serves.
func TestTrainThenClassify(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	demo := filepath.Join("..", "..", "testdata", "demo")
	if _, stderr, code := runSift(t, nil, "index", "--data", data, "--embedder", "none", filepath.Join(demo, "tickets.jsonl")); code != 0 {
		t.Fatalf("index: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := runSift(t, nil, "train", "--data", data)
	if code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	for _, field := range trainedFields {
		if !strings.Contains(stdout, field) {
			t.Errorf("train output lacks %s:\n%s", field, stdout)
		}
		if _, err := os.Stat(modelPath(data, field)); err != nil {
			t.Errorf("model for %s: %v", field, err)
		}
	}
	var manifest map[string]struct {
		Examples int      `json:"examples"`
		Labels   []string `json:"labels"`
	}
	raw, err := os.ReadFile(filepath.Join(data, "models", "manifest.json"))
	if err == nil {
		err = json.Unmarshal(raw, &manifest)
	}
	if err != nil || manifest["category"].Examples != 536 || len(manifest["category"].Labels) != 16 {
		t.Fatalf("manifest: %v, %+v", err, manifest["category"])
	}

	key := adminKey(t, data)
	base, _, stop := startSift(t, "serve", "--data", data, "--addr", "127.0.0.1:0", "--embedder", "none")
	defer stop()
	checkClassifiesVPN(t, base, key)
}

// TestTrainedModelsSharedThroughTheDatabase trains over PostgreSQL with one
// data directory and serves with another, empty: the replica classifies
// with the models the database holds.
func TestTrainedModelsSharedThroughTheDatabase(t *testing.T) {
	db := testDatabase(t, needDatabase(t))
	demo := filepath.Join("..", "..", "testdata", "demo")
	if _, stderr, code := runSift(t, nil, "index", "--database-url", db, "--embedder", "none", filepath.Join(demo, "tickets.jsonl")); code != 0 {
		t.Fatalf("index: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := runSift(t, nil, "train", "--database-url", db, "--data", filepath.Join(t.TempDir(), "trainer"))
	if code != 0 || !strings.Contains(stdout, "in the database") {
		t.Fatalf("train: exit %d\n%s\n%s", code, stdout, stderr)
	}
	replica := filepath.Join(t.TempDir(), "replica")
	key := adminKey(t, replica, "--database-url", db)
	base, _, stop := startSift(t, "serve", "--database-url", db, "--data", replica, "--addr", "127.0.0.1:0", "--embedder", "none")
	defer stop()
	checkClassifiesVPN(t, base, key)
	if _, err := os.Stat(filepath.Join(replica, "models")); !os.IsNotExist(err) {
		t.Errorf("the replica's data directory has models (%v); want them read from the database only", err)
	}
}

// checkClassifiesVPN classifies a VPN ticket through the API at base and
// checks the trained models answered.
func checkClassifiesVPN(t *testing.T, base, key string) {
	t.Helper()
	resp := call(t, key, http.MethodPost, base+"/v1/classify",
		`{"subject":"VPN keeps disconnecting","body":"GlobalProtect drops every ten minutes from home","portal":"itsm"}`)
	defer resp.Body.Close()
	var res struct {
		Fields map[string]struct {
			Label        string
			Confidence   float64
			Alternatives []struct{ Label string }
			ModelVersion string `json:"model_version"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != 200 {
		t.Fatalf("classify: %d %v", resp.StatusCode, err)
	}
	cat := res.Fields["category"]
	if cat.Label != "network_vpn" || len(cat.Alternatives) == 0 || cat.ModelVersion == "" {
		t.Errorf("category = %+v, want network_vpn with alternatives and a model version", cat)
	}
	if res.Fields["department"].Label != "it" {
		t.Errorf("department = %+v, want it", res.Fields["department"])
	}
}
