package answer

import (
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	body := "Forgotten your password? You can reset it yourself in a couple of minutes from the app.\n\n" +
		"To reset it:\n\n" +
		"1. Open the app and tap **Sign in**.\n" +
		"2. Choose **Forgot password?**\n" +
		"   It is under the password field.\n" +
		"3. Enter your email address.\n\n" +
		"## If the email never comes\n\n" +
		"**No email after 10 minutes?** Check your spam folder, and make sure you used the address you signed up with.\n\n" +
		"Still nothing.\n\n" +
		"- Try again tomorrow.\n- Or call us.\n"
	got := Split(body)
	// Blocks shorter than minPassageWords join the next one: the opening
	// joins the lead-in and its list, and the question-and-answer
	// paragraph the short one and the list after it; a heading ends a
	// passage.
	want := []struct {
		heading, start string
		steps          bool
	}{
		{"", "Forgotten your password?", true},
		{"If the email never comes", "**No email after 10 minutes?**", true},
	}
	if len(got) != len(want) {
		for _, p := range got {
			t.Logf("%+v", p)
		}
		t.Fatalf("%d passages, want %d", len(got), len(want))
	}
	for i, w := range want {
		p := got[i]
		if p.Index != i || p.Heading != w.heading || !strings.HasPrefix(p.Text, w.start) || p.Steps != w.steps {
			t.Errorf("passage %d: %+v; want heading %q, starting %q, steps %v", i, p, w.heading, w.start, w.steps)
		}
		if body[p.Start:p.End] != p.Text {
			t.Errorf("passage %d: offsets %d..%d do not give its text", i, p.Start, p.End)
		}
	}
	if !strings.Contains(got[0].Text, "To reset it:\n\n1. Open") || !strings.Contains(got[0].Text, "It is under the password field.") ||
		!strings.HasSuffix(got[0].Text, "3. Enter your email address.") {
		t.Errorf("steps passage lost its lead-in, a continuation line or a step: %q", got[0].Text)
	}
	if !strings.HasSuffix(got[1].Text, "- Or call us.") {
		t.Errorf("the last passage does not end with the list: %q", got[1].Text)
	}
	// A long paragraph is cut at sentence ends, each part a passage.
	long := strings.Repeat("This sentence has exactly eight words in it. ", 40)
	parts := Split(long)
	if len(parts) < 2 {
		t.Fatalf("a paragraph of %d words is one passage", words(long))
	}
	for _, p := range parts {
		if n := words(p.Text); n > maxPassageWords+10 || !strings.HasSuffix(strings.TrimSpace(p.Text), ".") {
			t.Errorf("part of %d words, ending %q", n, p.Text[max(0, len(p.Text)-10):])
		}
	}
	if len(Split("")) != 0 || len(Split("\n\n# Only a heading\n")) != 0 {
		t.Error("empty bodies have passages")
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("a\n\n1. b\n2. c\n\n# d\ne")
	f.Add("To do it:\n- one\n  more\n- two")
	f.Fuzz(func(t *testing.T, body string) {
		last := 0
		for i, p := range Split(body) {
			if p.Index != i || p.Start < last || p.End < p.Start || p.End > len(body) || body[p.Start:p.End] != p.Text {
				t.Fatalf("passage %d %+v out of order or offsets wrong (body %q)", i, p, body)
			}
			last = p.End
		}
	})
}
