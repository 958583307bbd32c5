package models_test

import (
	"strings"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Just text.", "Just text."},
		{"heading", "# Reset your password", "Reset your password"},
		{"deep heading", "###### Small", "Small"},
		{"hash inside a line stays", "Issue #42 is fixed", "Issue #42 is fixed"},
		{"bullet list", "- one\n* two\n+ three", "one two three"},
		{"indented list", "   - one\n  - two", "one two"},
		{"numbered list", "1. first\n2) second", "first second"},
		{"block quote", "> quoted", "quoted"},
		{"link", "See [the guide](https://example.com/guide) now", "See the guide now"},
		{"image", "![VPN settings](img/vpn.png)", "VPN settings"},
		{"image without alt text", "Before ![](x.png) after", "Before after"},
		{"linked image", "[![logo](logo.png)](https://example.com)", "logo"},
		{"bold and italic", "**Bold** and *italic* and __strong__", "Bold and italic and strong"},
		{"inline code", "Run `sift index` first", "Run sift index first"},
		{"fenced code", "```\ngo test\n```", "go test"},
		{"horizontal rule", "above\n\n---\n\nbelow", "above below"},
		{"starred rule", "above\n* * *\nbelow", "above below"},
		{"leading and trailing space trimmed", "  \n text \n ", "text"},
		{"mixed", "## Steps\n\n1. Open **Settings** > [Security](/s)\n2. Click `Reset`",
			"Steps Open Settings > Security Click Reset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := models.PlainText(tc.in)
			if got != strings.TrimSpace(got) {
				t.Errorf("PlainText(%q) = %q is not trimmed", tc.in, got)
			}
			// Line breaks and runs of spaces are layout, which the index
			// ignores; compare the words.
			if got := strings.Join(strings.Fields(got), " "); got != tc.want {
				t.Errorf("PlainText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
