package main

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"ops team":        "ops team",
		"Zürich – ops":    "Zürich – ops",
		"ops\nsk_x admin": `"ops\nsk_x admin"`,
		"ops\x1b[2J":      `"ops\x1b[2J"`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKeysHelpListsSubcommands(t *testing.T) {
	var out strings.Builder
	if err := runKeys(t.Context(), []string{"--help"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"create ", "list ", "revoke ", "--role", "--database-url", "/v1/keys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sift keys --help lacks %q:\n%s", want, out.String())
		}
	}
}
