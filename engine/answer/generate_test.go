package answer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siftdesk/sift/models"
)

// fakeModel is a ChatModel that replies with reply, streamed in pieces
// (of 4 bytes unless pieces is set), or fails with err. It records what
// it was asked.
type fakeModel struct {
	reply  string
	pieces []string
	err    error

	system, user string
	completes    int
	streams      int
}

func (f *fakeModel) Complete(_ context.Context, system, user string) (string, error) {
	f.system, f.user = system, user
	f.completes++
	if f.err != nil {
		return "", f.err
	}
	return f.reply, nil
}

func (f *fakeModel) Stream(_ context.Context, system, user string, fn func(string) error) (string, error) {
	f.system, f.user = system, user
	f.streams++
	if f.err != nil {
		return "", f.err
	}
	pieces := f.pieces
	if pieces == nil {
		for s := f.reply; s != ""; {
			n := min(4, len(s))
			pieces = append(pieces, s[:n])
			s = s[n:]
		}
	}
	for _, p := range pieces {
		if err := fn(p); err != nil {
			return "", fmt.Errorf("fake: stream: %w", err)
		}
	}
	return f.reply, nil
}

// threeSources are the sources most tests answer from.
var threeSources = []Source{
	{Title: "Resetting your password", Heading: "Forgotten password", Text: "1. Open the app and tap **Sign in**.\n2. Choose **Forgot password?**\n3. Enter your email address."},
	{Title: "Resetting your password", Heading: "If the email never comes", Text: "**No email after 10 minutes?** Check your spam folder."},
	{Title: "Two-step verification", Text: "You can turn on two-step verification in **Settings > Security**."},
}

// generateModes are the two ways of calling Generate: without and with a
// stream.
var generateModes = []struct {
	name   string
	stream bool
}{{"complete", false}, {"stream", true}}

// generate calls Generate on m with threeSources, streaming when asked,
// and returns what the stream received.
func generate(t *testing.T, m *fakeModel, stream bool) (Generated, []string, error) {
	t.Helper()
	var deltas []string
	var fn func(string) error
	if stream {
		fn = func(d string) error {
			deltas = append(deltas, d)
			return nil
		}
	}
	g, err := Generate(context.Background(), m, "How do I reset my password?", threeSources, fn)
	if stream && (m.streams != 1 || m.completes != 0) || !stream && (m.completes != 1 || m.streams != 0) {
		t.Errorf("stream %v: %d calls to Complete and %d to Stream", stream, m.completes, m.streams)
	}
	return g, deltas, err
}

func TestGenerateChecksCitations(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reply      string
		wantCited  []int
		wantReason string // "" for an answer
	}{
		{name: "steps cited", reply: "1. Open the app and tap **Sign in**. [1]\n2. Choose **Forgot password?** [1]\n3. No email? Check spam. [1][2]",
			wantCited: []int{0, 1}},
		{name: "order of first citation", reply: "Check your spam folder [2]. Then reset it again [1]. Spam again [2].", wantCited: []int{1, 0}},
		{name: "group", reply: "Reset it from the app, and check spam [1, 2].", wantCited: []int{0, 1}},
		{name: "range", reply: "See the articles [1-3].", wantCited: []int{0, 1, 2}},
		{name: "written out", reply: "Check your spam folder [Source 2].", wantCited: []int{1}},
		{name: "brackets that are not citations", reply: "Tap [Sign in](https://example.com/signin) and then [Forgot password]. [1]", wantCited: []int{0}},
		{name: "surrounding space trimmed", reply: "\n  Tap **Sign in**. [1]\n", wantCited: []int{0}},

		{name: "no answer", reply: "NO_ANSWER", wantReason: "model found no answer"},
		{name: "no answer with space", reply: "  NO_ANSWER\n", wantReason: "model found no answer"},
		{name: "no answer after text", reply: "I could not find it [1]. NO_ANSWER", wantReason: "model found no answer"},
		{name: "no citation", reply: "Open the app and tap Sign in, then choose Forgot password.", wantReason: "no citation"},
		{name: "only brackets that are not citations", reply: "Tap [Sign in], then [Forgot password].", wantReason: "no citation"},
		{name: "invented citation", reply: "Tap **Sign in**. [1]\nCall support on 0800 123 456. [7]", wantReason: "unknown citation [7]"},
		{name: "invented in a group", reply: "Reset it from the app [1, 7].", wantReason: "unknown citation [7]"},
		{name: "invented after another", reply: "Reset it from the app [1][7].", wantReason: "unknown citation [7]"},
		{name: "invented before a good one", reply: "Call us [4]. Reset it from the app [1].", wantReason: "unknown citation [4]"},
		{name: "zero", reply: "Reset it from the app [0].", wantReason: "unknown citation [0]"},
		{name: "written-out invention", reply: "Reset it [1]. Call us [Source 9].", wantReason: "unknown citation [9]"},
		{name: "range past the sources", reply: "See the articles [2-5].", wantReason: "unknown citation [4]"},
		{name: "reversed range", reply: "See the articles [3-1].", wantReason: "unknown citation [3-1]"},
		{name: "huge number", reply: "See [1] and [99999999999999999999].", wantReason: "unknown citation [99999999999999999999]"},
	} {
		for _, mode := range generateModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				g, _, err := generate(t, &fakeModel{reply: tc.reply}, mode.stream)
				if got := FallbackReason(err); got != tc.wantReason {
					t.Fatalf("Generate = %+v, %v: reason %q, want %q", g, err, got, tc.wantReason)
				}
				if tc.wantReason != "" {
					if g.Text != "" || g.Cited != nil {
						t.Errorf("Generate returned %+v with its error", g)
					}
					return
				}
				if want := strings.TrimSpace(tc.reply); g.Text != want {
					t.Errorf("text %q, want %q", g.Text, want)
				}
				if !slices.Equal(g.Cited, tc.wantCited) {
					t.Errorf("cited %v, want %v", g.Cited, tc.wantCited)
				}
			})
		}
	}
}

func TestGenerateModelErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		wantIs     error
		wantReason string
	}{
		{"timeout", fmt.Errorf("openai: chat: no reply within 15s: %w", context.DeadlineExceeded), context.DeadlineExceeded, "timeout"},
		{"cancelled", fmt.Errorf("openai: chat: %w", context.Canceled), context.Canceled, "cancelled"},
		{"429", fmt.Errorf("openai: chat: endpoint is rate limiting (429), retry after 2s: %w", models.ErrRateLimited), models.ErrRateLimited, "rate limited"},
		{"500", fmt.Errorf("openai: chat: endpoint returned status 500: %w", models.ErrUnavailable), models.ErrUnavailable, "model unavailable"},
		{"malformed", fmt.Errorf("openai: chat: malformed reply: reply has no choices: %w", models.ErrInvalid), models.ErrInvalid, "malformed reply"},
		{"anything else", errors.New("the model caught fire"), nil, "model error"},
	} {
		for _, mode := range generateModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				g, deltas, err := generate(t, &fakeModel{err: tc.err}, mode.stream)
				if err == nil {
					t.Fatalf("Generate = %+v, want an error", g)
				}
				if !errors.Is(err, tc.err) || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Errorf("error %v lost its cause %v", err, tc.err)
				}
				if got := FallbackReason(err); got != tc.wantReason {
					t.Errorf("FallbackReason(%v) = %q, want %q", err, got, tc.wantReason)
				}
				if len(deltas) != 0 {
					t.Errorf("stream received %q from a failing model", deltas)
				}
			})
		}
	}
	if got := FallbackReason(nil); got != "" {
		t.Errorf("FallbackReason(nil) = %q, want \"\"", got)
	}
}

func TestGenerateStreams(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pieces     []string
		wantDeltas []string
		wantReason string
	}{
		{name: "passed through as they come", pieces: []string{"1. Tap ", "**Sign in**. [1]\n", "2. Choose ", "**Forgot password?** [1]"},
			wantDeltas: []string{"1. Tap ", "**Sign in**. [1]\n", "2. Choose ", "**Forgot password?** [1]"}},
		{name: "no answer is held back", pieces: []string{"NO", "_ANS", "WER"}, wantReason: "model found no answer"},
		{name: "no answer with space is held back", pieces: []string{" \n", "NO_ANSWER", "\n"}, wantReason: "model found no answer"},
		{name: "a start like no answer is let go", pieces: []string{"NO", "TE: tap **Sign in**. [1]", " Then wait."},
			wantDeltas: []string{"NOTE: tap **Sign in**. [1]", " Then wait."}},
		{name: "an invented citation still streams", pieces: []string{"Call us. ", "[7]"},
			wantDeltas: []string{"Call us. ", "[7]"}, wantReason: "unknown citation [7]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &fakeModel{reply: strings.Join(tc.pieces, ""), pieces: tc.pieces}
			g, deltas, err := generate(t, m, true)
			if got := FallbackReason(err); got != tc.wantReason {
				t.Fatalf("Generate = %+v, %v: reason %q, want %q", g, err, got, tc.wantReason)
			}
			if !slices.Equal(deltas, tc.wantDeltas) {
				t.Errorf("stream received %q, want %q", deltas, tc.wantDeltas)
			}
			if err == nil && strings.Join(deltas, "") != m.reply {
				t.Errorf("stream received %q in all, the reply is %q", strings.Join(deltas, ""), m.reply)
			}
		})
	}
	t.Run("stream error", func(t *testing.T) {
		gone := errors.New("portal went away")
		m := &fakeModel{reply: "Tap **Sign in**. [1]"}
		_, err := Generate(context.Background(), m, "How do I reset my password?", threeSources, func(string) error { return gone })
		if !errors.Is(err, gone) {
			t.Errorf("Generate error %v, want the stream's", err)
		}
	})
}

func TestGeneratePrompt(t *testing.T) {
	m := &fakeModel{reply: "Tap **Sign in**. [1]"}
	sources := []Source{
		{Title: "Resetting your password", Heading: "Forgotten password", Text: "1. Open the app.\n2. Tap **Sign in**."},
		{Title: "Two-step verification", Text: "  Turn it on in **Settings**.\n"},
	}
	if _, err := Generate(context.Background(), m, "  How do I reset my password?\n", sources, nil); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	wantUser := `Sources:

<source id="1">
Title: Resetting your password
Section: Forgotten password
1. Open the app.
2. Tap **Sign in**.
</source>

<source id="2">
Title: Two-step verification
Turn it on in **Settings**.
</source>

Question: How do I reset my password?
`
	if m.user != wantUser {
		t.Errorf("user message:\n%s\nwant:\n%s", m.user, wantUser)
	}
	if m.system != systemPrompt {
		t.Errorf("system message %q, want the system prompt", m.system)
	}
	for _, rule := range []string{"sources", "[1]", "120 words", "numbered list", "exactly NO_ANSWER"} {
		if !strings.Contains(systemPrompt, rule) {
			t.Errorf("system prompt does not say %q", rule)
		}
	}
}

// TestGeneratePromptHoldsOnlyTheSources checks, for subsets of a pool of
// passages, that the prompt holds every passage given and none other:
// callers pass only what the asker may read, and rely on nothing else
// reaching the model.
func TestGeneratePromptHoldsOnlyTheSources(t *testing.T) {
	var pool []Source
	for i := range 6 {
		pool = append(pool, Source{
			Title:   fmt.Sprintf("Article title%02d", i),
			Heading: fmt.Sprintf("Section heading%02d", i),
			Text:    fmt.Sprintf("Passage text%02d: restart the router, then wait.", i),
		})
	}
	for _, subset := range [][]int{{0}, {5}, {1, 3}, {4, 0, 2}, {0, 1, 2, 3, 4, 5}} {
		t.Run(fmt.Sprint(subset), func(t *testing.T) {
			var given []Source
			for _, i := range subset {
				given = append(given, pool[i])
			}
			m := &fakeModel{reply: "Restart the router [1]."}
			if _, err := Generate(context.Background(), m, "How do I fix the router?", given, nil); err != nil {
				t.Fatalf("Generate: %v", err)
			}
			for i, s := range pool {
				in := slices.Contains(subset, i)
				for _, marker := range []string{fmt.Sprintf("title%02d", i), fmt.Sprintf("heading%02d", i), fmt.Sprintf("text%02d", i)} {
					if got := strings.Contains(m.user, marker); got != in {
						t.Errorf("source %d (%s) given %v, in the prompt %v", i, marker, in, got)
					}
					if strings.Contains(m.system, marker) {
						t.Errorf("system message holds %s", marker)
					}
				}
				if in && !strings.Contains(m.user, s.Text) {
					t.Errorf("source %d's text is not in the prompt whole", i)
				}
			}
			for k, i := range subset {
				want := fmt.Sprintf("<source id=\"%d\">\nTitle: %s\n", k+1, pool[i].Title)
				if !strings.Contains(m.user, want) {
					t.Errorf("source %d of the prompt is not pool source %d", k+1, i)
				}
			}
			if n := strings.Count(m.user, "<source "); n != len(subset) {
				t.Errorf("%d sources in the prompt, want %d", n, len(subset))
			}
		})
	}
}

func TestGenerateClipsThePrompt(t *testing.T) {
	long := strings.Repeat("Redémarrez le routeur. ", 500) // 12,000 bytes, 2-byte characters
	sources := slices.Repeat([]Source{{Title: strings.Repeat("Titre é ", 100), Heading: "Réseau", Text: long}}, MaxSources)
	m := &fakeModel{reply: "Redémarrez le routeur [1]."}
	if _, err := Generate(context.Background(), m, strings.Repeat("Pourquoi ? ", 1000), sources, nil); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if !utf8.ValidString(m.user) {
		t.Errorf("the prompt is not valid UTF-8")
	}
	limit := MaxSources*(maxSourceBytes+2*maxLabelBytes+60) + maxQuestionBytes + 40
	if len(m.user) > limit {
		t.Errorf("prompt of %d bytes, want at most %d", len(m.user), limit)
	}
	if !strings.Contains(m.user, long[:maxSourceBytes-10]) {
		t.Errorf("the prompt lost the start of a source")
	}
	if !strings.Contains(m.user, "…\n</source>") {
		t.Errorf("a clipped source does not end in …")
	}
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"  spaced  ", 6, "spaced"},
		{"0123456789", 10, "0123456789"},
		{"0123456789a", 10, "0123456…"},
		{"éééééé", 8, "éé…"}, // a cut inside a character backs off to its start
	} {
		if got := clip(tc.in, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestGenerateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name       string
		question   string
		sources    []Source
		wantReason string
	}{
		{"no sources", "How do I reset my password?", nil, "no sources"},
		{"too many sources", "How do I reset my password?", slices.Repeat(threeSources[:1], MaxSources+1), "too many sources"},
		{"no question", " \n", threeSources, "no question"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &fakeModel{reply: "Tap **Sign in**. [1]"}
			_, err := Generate(context.Background(), m, tc.question, tc.sources, nil)
			if got := FallbackReason(err); got != tc.wantReason {
				t.Errorf("Generate error %v: reason %q, want %q", err, got, tc.wantReason)
			}
			if m.completes+m.streams != 0 {
				t.Errorf("the model was asked")
			}
		})
	}
}

// FuzzCheckReply feeds the reply checker text a model might write: it
// must not panic, and an answer it accepts cites sources 1 to n only,
// each once.
func FuzzCheckReply(f *testing.F) {
	for _, s := range []string{"Tap **Sign in**. [1]", "[1, 7]", "[1][7]", "[2-3]", "[3-1]", "[Source 2]", "NO_ANSWER", "[", "[]", "[,]", "[1-]", "[ 1 ; 2 ]", "[99999999999999999999]"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, reply string, n int) {
		if n < 1 || n > MaxSources {
			return
		}
		g, err := checkReply(reply, n)
		if err != nil {
			if FallbackReason(err) == "" || FallbackReason(err) == "model error" {
				t.Errorf("checkReply(%q, %d) error %v has no reason", reply, n, err)
			}
			return
		}
		if len(g.Cited) == 0 {
			t.Errorf("checkReply(%q, %d) accepted a reply citing nothing", reply, n)
		}
		seen := map[int]bool{}
		for _, k := range g.Cited {
			if k < 0 || k >= n || seen[k] {
				t.Errorf("checkReply(%q, %d) cited %v", reply, n, g.Cited)
			}
			seen[k] = true
		}
	})
}
