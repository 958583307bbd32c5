// Package sentiment scores support messages for polarity and for the support-specific
// signals that decide escalation: frustration, urgency and churn risk.
//
// The scorer is a lexicon-and-rules model in the spirit of VADER, with its own lexicon
// (lexicon.tsv, embedded) tuned for support language: describing a problem ("the VPN drops",
// "error E42") is the normal, neutral case, while evaluation ("useless", "third time",
// "unacceptable") and gratitude for a fix ("works now, thanks so much") carry the weight.
// Rules handle negation ("not happy", "isn't working", "never arrived"), intensifiers and
// dampeners ("very", "slightly"), capitals, repeated "!" and "??", "but" moving the weight to
// the second clause, emoticons and emoji, and courtesy ("thanks" closing a request is
// politeness, not praise). Nothing touches the network.
package sentiment

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Labels returned in Result.Label, in the order reports list them.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// Signal kinds returned in Signal.Kind.
const (
	Frustration = "frustration"
	Urgency     = "urgency"
	ChurnRisk   = "churn_risk"
	// Impact is the scale of a failure: many people or things hit at once
	// ("all 40 cameras offline").
	Impact = "impact"
)

// Tuning constants. Valences live on the lexicon's -4..+4 scale.
const (
	// negationScale multiplies a positive term's valence when a negator precedes it ("not
	// happy" is clearly negative); negatedNegativeScale does so for a negative term, whose
	// negation is only lukewarm ("not bad", "not unhappy").
	negationScale        = -0.7
	negatedNegativeScale = -0.35
	// capsBoost is added to the magnitude of a term written in capitals.
	capsBoost = 0.7
	// exclaimBoost is added to the magnitude of the sum per "!" (at most maxExclaims).
	exclaimBoost = 0.28
	maxExclaims  = 4
	// queryBoost is added per "?" in a run of two or more (at most maxQueries); a run of
	// question marks in support text reads as exasperation, so it pushes a text without
	// other polarity towards negative.
	queryBoost = 0.18
	maxQueries = 3
	// butBefore and butAfter weight a sentence's clauses around "but".
	butBefore = 0.5
	butAfter  = 1.5
	// questionScale damps positive terms in a question ("is there an easy way?").
	questionScale = 0.5
	// courtesyScale damps plain thanks that close a request or a problem report.
	courtesyScale = 0.3
	// irrealisScale damps a positive term right after "be" ("needs to be fixed", "would be
	// great if"): it names a wish, not a state.
	irrealisScale = 0.3
	// alpha sets how fast the sum saturates: score = sum / sqrt(sum² + alpha).
	alpha = 16.0
	// labelThreshold: |score| below it is neutral. 0.2 is a raw sum of about 0.83, so the
	// mild problem vocabulary alone (error, offline, refund) stays neutral and one clear
	// evaluative term (useless, great) does not.
	labelThreshold = 0.2
	// window is how many tokens back a negator or intensifier reaches.
	window = 3
)

// negators turn the valence of what follows within the window.
var negators = map[string]bool{
	"not": true, "no": true, "never": true, "none": true, "nothing": true, "neither": true,
	"nor": true, "nowhere": true, "without": true, "hardly": true, "lack": true,
	"lacks": true, "lacking": true,
}

// boosters raise (positive values) or lower (negative values) the magnitude of the next
// term, on the lexicon's scale.
var boosters = map[string]float64{
	"very": 0.3, "really": 0.3, "so": 0.3, "extremely": 0.45, "incredibly": 0.45,
	"absolutely": 0.4, "totally": 0.35, "completely": 0.35, "utterly": 0.45, "super": 0.35,
	"highly": 0.35, "truly": 0.3, "especially": 0.2, "particularly": 0.2, "seriously": 0.3,
	"deeply": 0.35, "hugely": 0.4, "massively": 0.4, "too": 0.2, "such": 0.2, "most": 0.25,
	"much": 0.25, "insanely": 0.45, "terribly": 0.4, "awfully": 0.4, "ridiculously": 0.4,
	"thoroughly": 0.35, "entirely": 0.3, "exceptionally": 0.4, "remarkably": 0.35,
	"damn": 0.3, "fucking": 0.5, "bloody": 0.35, "huge": 0.3, "massive": 0.3, "big": 0.2,
	"pretty": 0.15, "quite": 0.1, "literally": 0.2,
	"slightly": -0.3, "somewhat": -0.25, "fairly": -0.15, "mildly": -0.3, "marginally": -0.3,
	"partly": -0.2, "partially": -0.2, "kinda": -0.25, "bit": -0.25, "little": -0.2,
	"almost": -0.2, "occasionally": -0.2,
}

// courtesy terms are politeness when they close a request ("how do I ...? thanks") or a
// problem report. "thank" alone is the verb ("I want to thank the team") and is gratitude.
var courtesy = map[string]bool{"thanks": true, "thank you": true, "cheers": true}

// requestBigrams mark a message that asks for something.
var requestBigrams = map[[2]string]bool{
	{"could", "you"}: true, {"can", "you"}: true, {"would", "you"}: true, {"could", "i"}: true,
	{"can", "i"}: true, {"may", "i"}: true, {"could", "someone"}: true, {"can", "someone"}: true,
	{"i", "need"}: true, {"would", "like"}: true, {"how", "do"}: true, {"is", "there"}: true,
}

// Analyzer scores text. Its data is read-only, so one Analyzer is safe for concurrent use
// by any number of goroutines. The zero value works too, using the embedded lexicon.
type Analyzer struct {
	lx *lexicon
}

// Result is the analysis of one text.
type Result struct {
	// Score is the polarity in [-1, 1]: below zero negative, above zero positive.
	Score float64 `json:"score"`
	// Label is "negative", "neutral" or "positive".
	Label string `json:"label"`
	// Signals lists the support signals found, in the order frustration, urgency,
	// churn_risk, impact; empty (never nil) when there are none.
	Signals []Signal `json:"signals"`
}

// Signal is one support-specific signal found in a text.
type Signal struct {
	// Kind is "frustration", "urgency", "churn_risk" or "impact".
	Kind string `json:"kind"`
	// Strength in [0, 1] grows with the number and weight of the phrases found and with
	// emphasis (capitals, "!!", "??"), and for frustration with the negativity of the text.
	Strength float64 `json:"strength"`
	// Evidence holds the words and phrases found, quoted as written in the text.
	Evidence []string `json:"evidence"`
}

// New returns an Analyzer using the embedded lexicon, which is parsed on the first call
// only and shared by all Analyzers.
func New() *Analyzer {
	return &Analyzer{lx: loadLexicon()}
}

// LexiconSize returns the number of entries in the lexicon.
func (a *Analyzer) LexiconSize() int { return a.lex().size }

// lex returns the Analyzer's lexicon, loading the embedded one for a zero Analyzer.
func (a *Analyzer) lex() *lexicon {
	if a == nil || a.lx == nil {
		return loadLexicon()
	}
	return a.lx
}

// item is one scored term: tokens [start, end) and its valence.
type item struct {
	start, end int
	term       string
	valence    float64
}

// Analyze scores text. It never fails: empty or unrecognised text is neutral with score 0.
func (a *Analyzer) Analyze(text string) Result {
	tk := tokenize(text)
	toks := tk.tokens
	items := a.terms(toks)
	request := isRequest(tk)

	for n := range items {
		it := &items[n]
		v := it.valence
		sign := math.Copysign(1, v)
		// Emoticons and emoji carry their own tone: no negation or intensifier applies.
		if toks[it.start].kind != kindWord {
			continue
		}
		// Intensifiers and dampeners before the term, nearer ones counting more.
		for d := 1; d <= window; d++ {
			j := it.start - d
			if j < 0 || toks[j].clause != toks[it.start].clause {
				break
			}
			if b, ok := boosterAt(toks, j); ok {
				v += sign * b * (1 - 0.05*float64(d-1))
			}
		}
		if v*sign < 0 {
			v = 0 // a dampener weakens a term, it never turns it over
		}
		// Capitals.
		for k := it.start; k < it.end; k++ {
			if toks[k].caps {
				v += sign * capsBoost
				break
			}
		}
		// Negation.
		if negatedAt(toks, it.start) {
			if v > 0 {
				v *= negationScale
			} else {
				v *= negatedNegativeScale
			}
		}
		if v > 0 {
			// Positive terms in a question are asked about, not asserted.
			if tk.sentences[toks[it.start].sentence].question {
				v *= questionScale
			}
			if afterBe(toks, it.start) {
				v *= irrealisScale
			}
		}
		it.valence = v
	}
	// "thanks" closing a request, or signing off a problem report with nothing else
	// positive in it, is courtesy.
	if request || (hasValence(items, -1, nil) && !hasValence(items, 1, courtesy)) {
		for n := range items {
			if courtesy[items[n].term] {
				items[n].valence *= courtesyScale
			}
		}
	}
	applyBut(items, toks)

	sum := 0.0
	for _, it := range items {
		sum += it.valence
	}
	exclaims, queries := 0, 0
	for _, s := range tk.sentences {
		exclaims += s.exclaims
		queries += s.queries
	}
	emphasis := float64(min(exclaims, maxExclaims)) * exclaimBoost
	qEmph := float64(min(queries, maxQueries)) * queryBoost
	switch {
	case sum > 0:
		sum += emphasis + qEmph
	case sum < 0:
		sum -= emphasis + qEmph
	default:
		sum -= qEmph
	}

	score := 0.0
	if sum != 0 {
		score = sum / math.Sqrt(sum*sum+alpha)
	}
	score = math.Max(-1, math.Min(1, math.Round(score*1e4)/1e4))
	return Result{
		Score:   score,
		Label:   labelFor(score),
		Signals: a.signals(text, tk, items, score),
	}
}

// labelFor maps a score to its label.
func labelFor(score float64) string {
	switch {
	case score >= labelThreshold:
		return Positive
	case score <= -labelThreshold:
		return Negative
	}
	return Neutral
}

// terms finds the lexicon terms in toks, longest phrase first, left to right.
func (a *Analyzer) terms(toks []token) []item {
	var items []item
	for i := 0; i < len(toks); {
		if p := a.lex().phrases.longest(toks, i, ""); p != nil {
			items = append(items, item{start: i, end: i + len(p.tokens), term: p.term, valence: p.valence})
			i += len(p.tokens)
			continue
		}
		t := toks[i]
		if t.kind == kindWord && negators[t.norm] {
			i++
			continue
		}
		// A word that can intensify ("terribly", "pretty", "damn") does so when a term
		// follows; "kind" in "kind of" is a dampener, not kindness.
		if _, isBooster := boosterAt(toks, i); isBooster && i+1 < len(toks) && a.startsTerm(toks, i+1) {
			i++
			continue
		}
		if t.norm == "kind" && i+1 < len(toks) && toks[i+1].norm == "of" {
			i++
			continue
		}
		if v, ok := a.lex().value(t); ok {
			items = append(items, item{start: i, end: i + 1, term: t.norm, valence: v})
		}
		i++
	}
	return items
}

// startsTerm reports whether a lexicon term starts at toks[i] in the same clause as the
// token before it.
func (a *Analyzer) startsTerm(toks []token, i int) bool {
	if i > 0 && toks[i].clause != toks[i-1].clause {
		return false
	}
	if _, ok := a.lex().value(toks[i]); ok {
		return true
	}
	return a.lex().phrases.longest(toks, i, "") != nil
}

// boosterAt returns the intensifier value of toks[j], if it is one ("of" after "kind" or
// "sort" dampens).
func boosterAt(toks []token, j int) (float64, bool) {
	t := toks[j]
	if t.kind != kindWord {
		return 0, false
	}
	if t.norm == "of" && j > 0 && (toks[j-1].norm == "kind" || toks[j-1].norm == "sort") {
		return -0.25, true
	}
	for _, f := range []string{t.norm, collapseRuns(t.norm, 2), collapseRuns(t.norm, 1)} {
		if b, ok := boosters[f]; ok {
			return b, true
		}
	}
	return 0, false
}

// negatedAt reports whether a negator precedes toks[i] within the window and clause.
// "not only" and "not just" do not negate.
func negatedAt(toks []token, i int) bool {
	for d := 1; d <= window; d++ {
		j := i - d
		if j < 0 || toks[j].clause != toks[i].clause {
			return false
		}
		if toks[j].kind == kindWord && negators[toks[j].norm] {
			if next := toks[j+1].norm; next == "only" || next == "just" {
				continue
			}
			return true
		}
	}
	return false
}

// afterBe reports whether toks[i] follows "be", skipping intensifiers ("to be fixed",
// "would be really great").
func afterBe(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-window && toks[j].clause == toks[i].clause; j-- {
		if toks[j].norm == "be" {
			return true
		}
		if _, ok := boosterAt(toks, j); !ok {
			return false
		}
	}
	return false
}

// hasValence reports whether some item has the given sign (-1 or 1), ignoring the terms
// in skip.
func hasValence(items []item, sign float64, skip map[string]bool) bool {
	for _, it := range items {
		if it.valence*sign > 0 && !skip[it.term] {
			return true
		}
	}
	return false
}

// applyBut weights the clauses around the first "but" of each sentence: the part before
// counts less, the part after more. A sentence that opens with "But" weights all earlier
// sentences down. "nothing but" and "all but" are not contrasts.
func applyBut(items []item, toks []token) {
	done := map[int]bool{}
	for k, t := range toks {
		if t.kind != kindWord || (t.norm != "but" && t.norm != "however") || done[t.sentence] {
			continue
		}
		if k > 0 && toks[k-1].sentence == t.sentence {
			switch toks[k-1].norm {
			case "nothing", "anything", "all":
				continue
			}
		}
		done[t.sentence] = true
		opens := k == 0 || toks[k-1].sentence != t.sentence
		for n := range items {
			it := &items[n]
			s := toks[it.start].sentence
			switch {
			case s == t.sentence && it.start > k:
				it.valence *= butAfter
			case s == t.sentence && it.end <= k:
				it.valence *= butBefore
			case opens && s < t.sentence:
				it.valence *= butBefore
			}
		}
	}
}

// isRequest reports whether the text asks for something: a question, "please", or a
// request form such as "could you" or "I need".
func isRequest(tk tokenized) bool {
	for _, s := range tk.sentences {
		if s.question {
			return true
		}
	}
	toks := tk.tokens
	for i, t := range toks {
		if t.norm == "please" || t.norm == "kindly" {
			return true
		}
		if i+1 < len(toks) && requestBigrams[[2]string{t.norm, toks[i+1].norm}] {
			return true
		}
	}
	return false
}

// signals finds the support signals in the text.
func (a *Analyzer) signals(text string, tk tokenized, items []item, score float64) []Signal {
	toks := tk.tokens
	out := []Signal{}
	for _, kind := range []string{Frustration, Urgency, ChurnRisk, Impact} {
		var evidence []string
		seen := map[string]bool{}
		keep := 1.0 // product of (1 - weight)
		emphatic := false
		for i := 0; i < len(toks); {
			p := a.lex().signals.longest(toks, i, kind)
			if p == nil {
				i++
				continue
			}
			start, end := i, i+len(p.tokens)
			i = end
			if !negators[toks[start].norm] && negatedAt(toks, start) {
				continue // "not urgent", "I'm not switching to ..."
			}
			caps := false
			for k := start; k < end; k++ {
				caps = caps || toks[k].caps
			}
			s := tk.sentences[toks[start].sentence]
			if p.needNeg && !caps && contextValence(items, toks, start, end) >= 0 {
				continue
			}
			quote := text[toks[start].start:toks[end-1].end]
			if !seen[quote] {
				seen[quote] = true
				evidence = append(evidence, quote)
			}
			keep *= 1 - p.valence
			emphatic = emphatic || caps || s.exclaims >= 2 || s.queries >= 2
		}
		if kind == Impact {
			for _, quote := range failingAtScale(text, tk) {
				if !seen[quote] {
					seen[quote] = true
					evidence = append(evidence, quote)
					keep *= 1 - scaleWeight
				}
			}
		}
		if len(evidence) == 0 {
			continue
		}
		strength := 1 - keep
		if emphatic {
			strength += (1 - strength) * 0.3
		}
		if kind == Frustration && score < 0 {
			strength += (1 - strength) * 0.3 * -score
		}
		strength = math.Round(math.Min(1, strength)*1000) / 1000
		out = append(out, Signal{Kind: kind, Strength: strength, Evidence: evidence})
	}
	return out
}

// contextValence sums the valence of the sentence holding tokens [start, end), leaving out
// the terms that overlap them: "again" is frustration in "broken again", not in "set it up
// again", whatever "again" itself weighs.
func contextValence(items []item, toks []token, start, end int) float64 {
	sum := 0.0
	for _, it := range items {
		if toks[it.start].sentence == toks[start].sentence && (it.end <= start || it.start >= end) {
			sum += it.valence
		}
	}
	return sum
}

// String returns the result as "label (score)" followed by its signals, for logs.
func (r Result) String() string {
	var b strings.Builder
	b.WriteString(r.Label)
	b.WriteString(" (")
	b.WriteString(strconv.FormatFloat(r.Score, 'f', 3, 64))
	b.WriteString(")")
	for _, s := range r.Signals {
		b.WriteString(" ")
		b.WriteString(s.Kind)
		b.WriteString("=")
		b.WriteString(strconv.FormatFloat(s.Strength, 'f', 3, 64))
		b.WriteString(" [")
		b.WriteString(strings.Join(s.Evidence, "; "))
		b.WriteString("]")
	}
	return b.String()
}

// Failures at scale: "all 40 cameras offline", "120 users cannot log in".
const (
	// scaleWeight is the impact a failure at scale adds.
	scaleWeight = 0.5
	// scaleCount is how many things must fail when the text does not say
	// all of them did.
	scaleCount = 10
)

// failing are words that say something does not work; "working" counts
// after a negation or "stopped".
var failing = map[string]bool{
	"offline": true, "down": true, "broken": true, "failing": true, "failed": true, "fail": true,
	"dead": true, "crashed": true, "crashing": true, "unreachable": true, "disconnected": true,
	"frozen": true, "locked": true, "outage": true, "error": true, "errors": true,
}

// notCounted are words after a number that measure rather than count
// things ("45 minutes", "20 percent").
var notCounted = map[string]bool{
	"seconds": true, "minutes": true, "mins": true, "hours": true, "hrs": true, "days": true,
	"weeks": true, "months": true, "years": true, "times": true, "percent": true, "pounds": true,
	"dollars": true, "euros": true, "items": true, "pages": true, "steps": true, "attempts": true,
	"tries": true, "characters": true, "digits": true, "emails": true, "messages": true,
}

// failingAtScale returns the quotes of the counts of things (a plural) a sentence of
// the text says fail: "all" or "every" with a number of them ("all 40
// cameras", "all of our 12 laptops"), or scaleCount of them or more ("120
// users"), in a sentence that also says something fails.
func failingAtScale(text string, tk tokenized) []string {
	toks := tk.tokens
	fails := map[int]bool{} // sentences that say something fails
	for i, t := range toks {
		if failing[t.norm] || t.norm == "working" && i > 0 && (negators[toks[i-1].norm] || toks[i-1].norm == "stopped") {
			fails[t.sentence] = true
		}
	}
	var out []string
	for i, t := range toks {
		n, err := strconv.Atoi(t.norm)
		if err != nil || n < 2 || !fails[t.sentence] || i+1 == len(toks) || toks[i+1].sentence != t.sentence {
			continue
		}
		thing := toks[i+1]
		if notCounted[thing.norm] || !isPlural(thing.norm) {
			continue
		}
		start := i
		for j := i - 1; j >= max(i-3, 0) && toks[j].sentence == t.sentence; j-- {
			if toks[j].norm == "all" || toks[j].norm == "every" {
				start = j
				break
			}
		}
		if start == i && n < scaleCount {
			continue
		}
		out = append(out, text[toks[start].start:thing.end])
	}
	return out
}

// isPlural reports whether s is a word of letters that names many
// things: ending in s (not ss), or people or staff.
func isPlural(s string) bool {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return false
	}
	return s == "people" || s == "staff" || strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss")
}
