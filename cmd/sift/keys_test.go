package main

import "testing"

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
