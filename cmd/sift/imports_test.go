package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/siftdesk/sift"

// TestImportRules keeps the import direction of ARCHITECTURE.md true:
// models imports only the standard library; index backends import models
// and their library, never each other, the indexer, the engine or the API
// (help desk connectors share indexer/helpdesk);
// the engine never imports a backend or the API; the API never imports the
// indexer; only cmd wires concrete backends.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Name       string
			Imports    []string
			Standard   bool
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		switch path.Base(rel) {
		case "util", "utils", "common", "helpers", "misc":
			t.Errorf("package %s has a name that explains nothing", rel)
		}
		for _, imp := range p.Imports {
			if msg := forbidden(rel, imp); msg != "" {
				t.Errorf("%s imports %s: %s", rel, imp, msg)
			}
		}
	}
	if seen < 6 {
		t.Fatalf("go list found %d packages; expected the whole module", seen)
	}
}

// forbidden says why package rel may not import imp, or "" if it may.
func forbidden(rel, imp string) string {
	own := strings.HasPrefix(imp, module+"/")
	target := strings.TrimPrefix(imp, module+"/")
	std := !strings.Contains(strings.Split(imp, "/")[0], ".")
	under := func(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }
	switch {
	case rel == "models":
		if !std {
			return "models uses the standard library only"
		}
	case strings.HasPrefix(rel, "indexer/helpdesk/"):
		// A help desk connector shares the helpdesk package's pieces.
		if own && target != "models" && target != "indexer/helpdesk" {
			return "a help desk connector imports models, indexer/helpdesk and its own library only"
		}
	case strings.HasPrefix(rel, "indexer/"):
		if own && target != "models" {
			return "a backend imports models and its own library only"
		}
	case rel == "indexer":
		if own && target != "models" {
			return "the indexer writes through interfaces; only cmd wires backends"
		}
	case under(rel, "engine"):
		if own && (under(target, "indexer") || under(target, "api") || under(target, "cmd")) {
			return "the engine declares interfaces and never imports a backend"
		}
	case under(rel, "api"):
		if own && (under(target, "indexer") || under(target, "cmd")) {
			return "the API serves the engine; only cmd wires backends"
		}
	}
	return ""
}

func TestForbiddenCatchesViolations(t *testing.T) {
	cases := []struct {
		rel, imp string
		bad      bool
	}{
		{"models", "encoding/json", false},
		{"models", "gopkg.in/yaml.v3", true},
		{"indexer/bleve", module + "/models", false},
		{"indexer/bleve", module + "/indexer/bolt", true},
		{"indexer/bleve", module + "/engine", true},
		{"indexer", module + "/indexer/bleve", true},
		{"indexer/helpdesk/zendesk", module + "/indexer/helpdesk", false},
		{"indexer/helpdesk/zendesk", module + "/indexer/helpdesk/jira", true},
		{"indexer/helpdesk", module + "/indexer", true},
		{"engine", module + "/indexer/bolt", true},
		{"engine", module + "/engine/typeahead", false},
		{"engine/typeahead", module + "/api", true},
		{"api", module + "/engine", false},
		{"api", module + "/indexer", true},
		{"cmd/sift", module + "/indexer/bolt", false},
	}
	for _, tc := range cases {
		if got := forbidden(tc.rel, tc.imp) != ""; got != tc.bad {
			t.Errorf("forbidden(%s, %s) = %v, want %v", tc.rel, tc.imp, got, tc.bad)
		}
	}
}
