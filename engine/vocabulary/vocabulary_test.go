package vocabulary

import (
	"slices"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"Can't LOG-IN":   "cant log in",
		"Wi‑Fi, café!":   "wi fi cafe",
		"  e-mail  2FA ": "e mail 2fa",
	} {
		if got := strings.Join(Words(in), " "); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRewrite(t *testing.T) {
	v, err := Parse(strings.NewReader("# comment\n\nlog in, login, sign in\nwifi, wi fi\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query       string
		rewrites    []string
		equivalents []string
	}{
		{"cant login", []string{"cant log in", "cant sign in"}, []string{"log in", "sign in"}},
		{"sign in on guest wi-fi", []string{"log in on guest wi fi", "login on guest wi fi", "sign in on guest wifi"}, []string{"log in", "login", "wifi"}},
		{"printer jam", nil, nil},
		{"log", nil, nil}, // a phrase's first word alone is not the phrase
	}
	for _, tc := range cases {
		rewrites, equivalents := v.Rewrite(Words(tc.query))
		var got []string
		for _, r := range rewrites {
			got = append(got, strings.Join(r, " "))
		}
		if !slices.Equal(got, tc.rewrites) || !slices.Equal(equivalents, tc.equivalents) {
			t.Errorf("Rewrite(%q) = %q, %q; want %q, %q", tc.query, got, equivalents, tc.rewrites, tc.equivalents)
		}
	}
}

func TestParseNamesTheBadLine(t *testing.T) {
	for text, want := range map[string]string{
		"a, b\nlonely\n":             "line 2: a group needs 2 to 12 members, got 1",
		"a, , b\n":                   `line 1: member "" has no words`,
		"a, one two three four five": `line 1: member "one two three four five" has 5 words, at most 4 allowed`,
	} {
		if _, err := Parse(strings.NewReader(text)); err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %q", text, err, want)
		}
	}
}

func TestSupportParses(t *testing.T) {
	v := Support()
	if len(v.Groups()) < 10 {
		t.Errorf("support vocabulary has %d groups, want the built-in list", len(v.Groups()))
	}
	if n := len(v.Without(0).Groups()); n != len(v.Groups())-1 {
		t.Errorf("Without(0) has %d groups, want %d", n, len(v.Groups())-1)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("log in, login\nwifi, wi-fi\n")
	f.Add("# c\n, ,\n")
	f.Fuzz(func(t *testing.T, text string) {
		v, err := Parse(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, g := range v.Groups() {
			rewrites, _ := v.Rewrite(strings.Fields(g[0]))
			if len(rewrites) > MaxRewrites {
				t.Fatalf("%d rewrites, at most %d allowed", len(rewrites), MaxRewrites)
			}
		}
	})
}

func TestWithRules(t *testing.T) {
	v, err := Support().With([]Rule{
		{Phrases: []string{"laptop", "notebook"}},
		{Input: "macbook", Phrases: []string{"laptop"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	equivalents := func(v *Vocabulary, q string) []string {
		_, eq := v.Rewrite(Words(q))
		return eq
	}
	if got := equivalents(v, "notebook battery"); !slices.Contains(got, "laptop") {
		t.Errorf("multi-way: notebook gives %q, want laptop", got)
	}
	if got := equivalents(v, "macbook wont charge"); !slices.Contains(got, "laptop") {
		t.Errorf("one-way: macbook gives %q, want laptop", got)
	}
	if got := equivalents(v, "laptop"); slices.Contains(got, "macbook") || !slices.Contains(got, "notebook") {
		t.Errorf("one-way back: laptop gives %q, want notebook and not macbook", got)
	}
	if got := equivalents(v, "cant login"); !slices.Contains(got, "sign in") {
		t.Errorf("the built-in groups are kept: %q", got)
	}
	// Copies keep one-way groups one-way.
	if got := equivalents(v.Without(0), "laptop"); slices.Contains(got, "macbook") {
		t.Errorf("after Without: laptop gives %q", got)
	}
	if _, err := Support().With([]Rule{{Phrases: []string{"one"}}}); err == nil || !strings.Contains(err.Error(), "rule 0") {
		t.Errorf("a one-phrase group: err %v, want one naming rule 0", err)
	}
}
