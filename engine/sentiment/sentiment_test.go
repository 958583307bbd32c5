package sentiment

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLabels(t *testing.T) {
	a := New()
	tests := []struct {
		name, text, want string
	}{
		// Neutral questions and requests: the bread and butter of support.
		{"how-to question", "How do I add a user?", Neutral},
		{"invoice question", "Where can I download the invoice for order BL-551203?", Neutral},
		{"access request", "Could I get access to the Marketing folder on the S: drive?", Neutral},
		{"thanks closing a question", "how do I share live view with my wife? thanks", Neutral},
		{"please and thank you", "Please reset my MFA, I have a new phone. Thank you", Neutral},
		{"refund request", "Can I get a refund to a different card? The original one has expired.", Neutral},
		{"positive word in a question", "Is there an easy way to export clips?", Neutral},
		{"calm problem report", "My thermostat shows error E42. What does that mean?", Neutral},
		{"not urgent", "Not urgent at all: could you move my phone extension?", Neutral},
		{"wish, not state", "The thermostat in room 4 needs to be fixed.", Neutral},
		{"empty", "", Neutral},
		{"only punctuation", "!!! ... ???", Neutral},

		// Negative.
		{"negated positive", "I am not happy with the hub.", Negative},
		{"isn't working", "The camera isn't working.", Negative},
		{"doesnt work without apostrophe", "the app doesnt work", Negative},
		{"never arrived", "My parcel never arrived.", Negative},
		{"frustration phrase", "Still not fixed. Third time I'm asking.", Negative},
		{"evaluation", "Terrible service, nobody replies to my emails.", Negative},
		{"emoji only", "😡", Negative},
		{"emoticon", "the app crashed again :(", Negative},
		{"sarcastic thanks", "Shared drive gone before my deadline. Thanks for nothing.", Negative},
		{"thanks, but", "Thanks for the reply, but the camera is still offline and I'm losing patience.", Negative},
		{"churn", "Cancel my subscription, I'm done.", Negative},

		// Positive.
		{"works now", "Works now, thank you so much!", Positive},
		{"praise", "Great support, the new hub was set up in five minutes.", Positive},
		{"emoticon smile", "All sorted :)", Positive},
		{"thumbs up", "Printer is printing again 👍", Positive},
		{"but shifts to praise", "The first fix didn't help, but the second one worked perfectly.", Positive},
		{"gratitude verb", "I'd like to thank the whole support team.", Positive},
		{"general review", "The food was delicious and the staff were lovely.", Positive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := a.Analyze(tc.text)
			if got.Label != tc.want {
				t.Errorf("Analyze(%q) = %s, want %s", tc.text, got, tc.want)
			}
		})
	}
}

// TestRules checks each rule by comparing two texts that differ only in it.
func TestRules(t *testing.T) {
	a := New()
	score := func(s string) float64 { return a.Analyze(s).Score }
	tests := []struct {
		name     string
		base     string
		variant  string
		relation string // "flips", "stronger", "weaker", "lower"
	}{
		{"negation flips positive", "I am happy with the hub", "I am not happy with the hub", "flips"},
		{"negation flips negative", "The update is bad", "The update is not bad", "flips"},
		{"contraction negates", "It is working great", "It isn't working great", "flips"},
		{"never negates", "The courier was reliable", "The courier was never reliable", "flips"},
		{"intensifier raises", "The app is good", "The app is very good", "stronger"},
		{"strong intensifier raises more", "The app is very good", "The app is extremely good", "stronger"},
		{"intensifier raises negative", "The app is bad", "The app is really bad", "stronger"},
		{"dampener lowers", "The app is good", "The app is slightly good", "weaker"},
		{"capitals raise", "This is terrible", "This is TERRIBLE", "stronger"},
		{"capitals raise positive", "This is great", "This is GREAT", "stronger"},
		{"exclamations raise", "This is terrible", "This is terrible!!!", "stronger"},
		{"more exclamations raise more", "Great!", "Great!!!", "stronger"},
		{"question marks raise a complaint", "Why is this broken?", "Why is this broken???", "stronger"},
		{"elongated intensifier", "so good", "sooo good", "same"},
		{"but weights the second clause", "The app crashes constantly, but the update is great.",
			"The update is great, but the app crashes constantly.", "lower"},
		{"emoji sets tone", "fine 🙂", "fine 😡", "lower"},
		{"emoticon is not negated", "not the cat :)", "not the cat", "lower"},
		{"courtesy in a request is damped", "Thanks so much!", "How do I reset it? Thanks", "weaker"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, v := score(tc.base), score(tc.variant)
			ok := false
			switch tc.relation {
			case "flips":
				ok = b != 0 && v != 0 && math.Signbit(b) != math.Signbit(v)
			case "stronger":
				ok = math.Abs(v) > math.Abs(b) && math.Signbit(b) == math.Signbit(v)
			case "weaker":
				ok = math.Abs(v) < math.Abs(b)
			case "lower":
				ok = v < b
			case "same":
				ok = v == b
			}
			if !ok {
				t.Errorf("%q = %.4f, %q = %.4f: want the second %s", tc.base, b, tc.variant, v, tc.relation)
			}
		})
	}
}

func TestSignals(t *testing.T) {
	a := New()
	tests := []struct {
		name     string
		text     string
		kind     string
		evidence []string // all must be present; nil means the kind must be absent
	}{
		{"third time", "This is the THIRD time I'm writing about my Cam. Unacceptable.", Frustration,
			[]string{"THIRD time", "Unacceptable"}},
		{"still not fixed", "Still not fixed. How many times do I have to ask?", Frustration,
			[]string{"Still not fixed", "How many times"}},
		{"fed up, still waiting", "I'm fed up. Still waiting for the refund.", Frustration,
			[]string{"fed up", "Still waiting"}},
		{"again when negative", "The printer is broken again.", Frustration, []string{"again"}},
		{"again when neutral", "Can I move my Hub without setting it up again?", Frustration, nil},
		{"ridiculous", "This is ridiculous, three weeks for a keyboard.", Frustration, []string{"ridiculous"}},
		{"urgency", "Production is down and the whole team can't work. Need help ASAP!", Urgency,
			[]string{"Production is down", "whole team", "can't work", "ASAP"}},
		{"urgency cannot", "We cannot work until the VPN is back, deadline at noon.", Urgency,
			[]string{"cannot work", "deadline"}},
		{"urgent negated", "Not urgent, whenever you have time.", Urgency, nil},
		{"critical", "Critical: payroll can't run.", Urgency, []string{"Critical"}},
		{"still that works is no frustration", "My screen is cracked but it still works.", Frustration, nil},
		{"no coverage", "All 40 cameras offline since 2am, no security coverage on site.", Urgency, []string{"no security coverage"}},
		{"all 40 offline", "All 40 cameras offline since 2am, no security coverage on site.", Impact, []string{"All 40 cameras"}},
		{"all of our", "All of our 12 laptops stopped working after the update.", Impact, []string{"All of our 12 laptops"}},
		{"many users", "Since 9am 120 users cannot sign in, error AUTH-017.", Impact, []string{"120 users"}},
		{"a few, not all", "I have 2 cameras and one of them is offline.", Impact, nil},
		{"all fine", "All 3 laptops arrived and work fine.", Impact, nil},
		{"a time is no count", "It took 45 minutes and then the app crashed.", Impact, nil},
		{"a code is no count", "Error 404 when I open the page.", Impact, nil},
		{"churn", "Please cancel my subscription, I'm switching to another brand.", ChurnRisk,
			[]string{"cancel my subscription", "switching to another"}},
		{"churn elsewhere", "Fix it or I'm taking my business elsewhere.", ChurnRisk,
			[]string{"taking my business elsewhere"}},
		{"churn refund", "I want a refund and I will never buy from you again.", ChurnRisk,
			[]string{"want a refund", "never buy"}},
		{"churn negated", "I'm not switching to another provider, just asking.", ChurnRisk, nil},
		{"order cancel is not churn", "Please cancel order BL-620114, wrong colour.", ChurnRisk, nil},
		{"billing switch is not churn", "I'd like to switch from monthly to yearly billing.", ChurnRisk, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Analyze(tc.text)
			var got *Signal
			for i := range r.Signals {
				if r.Signals[i].Kind == tc.kind {
					got = &r.Signals[i]
				}
			}
			if tc.evidence == nil {
				if got != nil {
					t.Fatalf("Analyze(%q): unexpected %s signal %v", tc.text, tc.kind, *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("Analyze(%q) = %s: no %s signal", tc.text, r, tc.kind)
			}
			for _, e := range tc.evidence {
				if !slices.Contains(got.Evidence, e) {
					t.Errorf("Analyze(%q) %s evidence %q, want it to contain %q", tc.text, tc.kind, got.Evidence, e)
				}
			}
			if got.Strength <= 0 || got.Strength > 1 {
				t.Errorf("strength %v outside (0, 1]", got.Strength)
			}
		})
	}
}

func TestSignalStrengthGrows(t *testing.T) {
	a := New()
	strength := func(text, kind string) float64 {
		for _, s := range a.Analyze(text).Signals {
			if s.Kind == kind {
				return s.Strength
			}
		}
		return 0
	}
	one := strength("This needs a fix, it is urgent.", Urgency)
	two := strength("This needs a fix, it is urgent, the whole team can't work.", Urgency)
	shouted := strength("This needs a fix, it is URGENT!!", Urgency)
	if !(one > 0 && two > one && shouted > one) {
		t.Errorf("urgency strengths: one phrase %.3f, two phrases %.3f, shouted %.3f; want the last two above the first", one, two, shouted)
	}
}

func TestNeutralQuestionsHaveNoSignals(t *testing.T) {
	a := New()
	for _, text := range []string{
		"How do I add a user to the Finance shared mailbox?",
		"What is the difference between Cloud Basic and Cloud Plus?",
		"Can two people be admins on the same account?",
		"Which Wi-Fi network should visitors use?",
	} {
		r := a.Analyze(text)
		if r.Label != Neutral || len(r.Signals) != 0 {
			t.Errorf("Analyze(%q) = %s, want neutral without signals", text, r)
		}
	}
}

func TestZeroAnalyzer(t *testing.T) {
	var a Analyzer
	if got, want := a.Analyze("Works now, thanks so much!"), New().Analyze("Works now, thanks so much!"); got.String() != want.String() {
		t.Errorf("zero Analyzer = %s, want %s", got, want)
	}
}

func TestResultJSON(t *testing.T) {
	a := New()
	b, err := json.Marshal(a.Analyze("How do I add a user?"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"score":0,"label":"neutral","signals":[]}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	b, err = json.Marshal(a.Analyze("Unacceptable, cancel my subscription"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"kind":"frustration"`, `"kind":"churn_risk"`, `"strength":`, `"evidence":["Unacceptable"]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON %s lacks %s", b, key)
		}
	}
}

// TestEvidenceQuotesText checks that evidence is quoted from the text as written.
func TestEvidenceQuotesText(t *testing.T) {
	a := New()
	text := "STILL WAITING!!! The dock doesn’t work, it’s the 3rd time; I can’t work."
	r := a.Analyze(text)
	n := 0
	for _, s := range r.Signals {
		for _, e := range s.Evidence {
			n++
			if !strings.Contains(text, e) {
				t.Errorf("%s evidence %q is not in the text", s.Kind, e)
			}
		}
	}
	if n < 3 {
		t.Errorf("Analyze(%q) = %s: want evidence for still waiting, 3rd time and can’t work", text, r)
	}
}

// TestScoresInRange scores every labelled text and checks the result's invariants.
func TestScoresInRange(t *testing.T) {
	a := New()
	for _, path := range []string{supportSet, generalSet, devSet} {
		for _, ex := range readSet(t, path) {
			checkResult(t, ex.Text, a.Analyze(ex.Text))
		}
	}
}

// checkResult checks the invariants every Result must keep.
func checkResult(t *testing.T, text string, r Result) {
	t.Helper()
	if r.Score < -1 || r.Score > 1 || math.IsNaN(r.Score) {
		t.Errorf("Analyze(%q): score %v outside [-1, 1]", text, r.Score)
	}
	if r.Label != labelFor(r.Score) {
		t.Errorf("Analyze(%q): label %s does not match score %v", text, r.Label, r.Score)
	}
	if r.Signals == nil {
		t.Errorf("Analyze(%q): nil Signals", text)
	}
	for _, s := range r.Signals {
		if s.Kind != Frustration && s.Kind != Urgency && s.Kind != ChurnRisk {
			t.Errorf("Analyze(%q): unknown signal kind %q", text, s.Kind)
		}
		if s.Strength <= 0 || s.Strength > 1 {
			t.Errorf("Analyze(%q): %s strength %v outside (0, 1]", text, s.Kind, s.Strength)
		}
		if len(s.Evidence) == 0 {
			t.Errorf("Analyze(%q): %s signal without evidence", text, s.Kind)
		}
		for _, e := range s.Evidence {
			if !strings.Contains(text, e) {
				t.Errorf("Analyze(%q): evidence %q not in text", text, e)
			}
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	texts := []string{
		"Still not fixed, third time!!!", "Works now, thanks so much 🙂",
		"How do I add a user?", "Production down, need help ASAP",
	}
	a := New()
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = a.Analyze(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			b := New() // shares the lexicon
			for n := 0; n < 200; n++ {
				i := (g + n) % len(texts)
				for _, an := range []*Analyzer{a, b} {
					if got := an.Analyze(texts[i]); got.String() != want[i].String() {
						t.Errorf("concurrent Analyze(%q) = %s, want %s", texts[i], got, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"It doesn't work", []string{"it", "not", "work"}},
		{"it does not work", []string{"it", "not", "work"}},
		{"I can't log in", []string{"i", "can", "not", "log", "in"}},
		{"cannot", []string{"can", "not"}},
		{"Thx :) see https://x.example/a", []string{"thanks", ":)", "see", "https", "x", "example", "a"}},
		{"S: drive is 8:15 and 4.2.1", []string{"s", "drive", "is", "8:15", "and", "4.2.1"}},
		{"👍🏽 ok 👨‍💻", []string{"👍", "ok", "👨"}},
		{"Brightloom’s app", []string{"brightloom", "app"}},
	}
	for _, tc := range tests {
		var got []string
		for _, tok := range tokenize(tc.text).tokens {
			got = append(got, tok.norm)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestForms(t *testing.T) {
	tests := []struct{ word, base string }{
		{"crashes", "crash"}, {"annoyed", "annoy"}, {"waiting", "wait"}, {"stopped", "stop"},
		{"cancelling", "cancel"}, {"replies", "reply"}, {"hated", "hate"}, {"horribly", "horrible"},
		{"times", "time"}, {"sooo", "so"}, {"goood", "good"},
	}
	for _, tc := range tests {
		if !hasForm(tc.word, tc.base) {
			t.Errorf("hasForm(%q, %q) = false, forms %q", tc.word, tc.base, forms(tc.word))
		}
	}
	for _, tc := range []struct{ word, base string }{{"used", "us"}, {"thing", "th"}, {"need", "ne"}} {
		if hasForm(tc.word, tc.base) {
			t.Errorf("hasForm(%q, %q) = true, want false", tc.word, tc.base)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"", "How do I add a user?", "STILL NOT FIXED!!! third time :(", "not not not good",
		"can't cannot cant won't", "👍🏽😡❤️", ":-) :( <3 >:( xD", "a\n\nb", "sooooo goooood",
		"but but but", "nothing but trouble", "https://example.com:8080/a:/b", "\xff\xfe",
	} {
		f.Add(s)
	}
	a := New()
	f.Fuzz(func(t *testing.T, text string) {
		checkResult(t, text, a.Analyze(text))
	})
}

func BenchmarkAnalyze(b *testing.B) {
	ex := readSet(b, supportSet)
	a := New()
	n := 0
	for b.Loop() {
		a.Analyze(ex[n%len(ex)].Text)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
}
