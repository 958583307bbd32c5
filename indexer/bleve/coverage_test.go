package bleve

import "testing"

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"invoic", "invoic", true},
		{"invoic", "invoc", true},   // a deletion
		{"invoic", "invoicx", true}, // an insertion
		{"invoic", "invoxc", true},  // a replacement
		{"invoic", "inovic", false}, // a swap is two replacements
		{"invoic", "invo", false},   // two deletions
		{"", "a", true},
		{"ab", "", false},
	} {
		if got := oneEdit(c.a, c.b); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
