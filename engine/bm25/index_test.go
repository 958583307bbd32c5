package bm25

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/siftdesk/sift/models"
)

// words is the tests' analyzer: lower-cased words, a few stopwords left
// out, a plural's s dropped.
func words(text string) []Token {
	stop := map[string]bool{"the": true, "a": true, "and": true, "to": true, "of": true, "my": true, "your": true, "in": true}
	var out []Token
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(text[start:end])
		if !stop[w] {
			if len(w) > 3 && strings.HasSuffix(w, "s") {
				w = w[:len(w)-1]
			}
			out = append(out, Token{Term: w, Start: start, End: end})
		}
		start = -1
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
	}
	flush(len(text))
	return out
}

var everyone = models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityPublic, models.VisibilityInternal}}

func newIndex(articles ...*models.Article) *Index {
	x := New(words)
	x.Put(articles...)
	return x
}

func public(id, title, body string) *models.Article {
	return &models.Article{ID: id, Title: title, Body: body, Visibility: models.VisibilityPublic}
}

func ids(res models.SearchResult) []string {
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func search(x *Index, text string) models.SearchResult {
	return x.Search(models.TextQuery{Text: text, Filter: everyone, Limit: 10})
}

func TestTitleOutranksBody(t *testing.T) {
	x := newIndex(
		public("body", "Account settings", "Change the password here"),
		public("title", "Change password", "Account settings here"),
		public("other", "Printer jams", "Clear the rollers"),
	)
	res := search(x, "password")
	if got := ids(res); !slices.Equal(got, []string{"title", "body"}) {
		t.Fatalf("hits %q, want title then body", got)
	}
	if res.Total != 2 || res.Hits[0].Score <= res.Hits[1].Score {
		t.Errorf("total %d, scores %v and %v", res.Total, res.Hits[0].Score, res.Hits[1].Score)
	}
}

func TestMoreWordsOutrankOne(t *testing.T) {
	x := newIndex(
		public("one", "Printer printer printer", "printer printer"),
		public("both", "Printer offline", "The printer shows offline"),
		public("none", "VPN", "Connect to the VPN"),
	)
	if got := ids(search(x, "printer offline")); !slices.Equal(got, []string{"both", "one"}) {
		t.Errorf("hits %q, want both words first", got)
	}
}

func TestFilter(t *testing.T) {
	internal := &models.Article{ID: "int", Title: "Password vault", Visibility: models.VisibilityInternal}
	gold := &models.Article{ID: "gold", Title: "Password for gold", Visibility: models.VisibilityPublic, Products: []string{"cloud"}, Tiers: []string{"gold"}}
	x := newIndex(public("pub", "Password reset", ""), internal, gold)
	tests := []struct {
		name   string
		filter models.ArticleFilter
		want   []string
	}{
		{"public", models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityPublic}}, []string{"gold", "pub"}},
		{"nothing allowed", models.ArticleFilter{}, []string{}},
		{"not entitled", models.ArticleFilter{Visibilities: everyone.Visibilities, Entitled: &models.Entitlements{Products: []string{"cloud"}, Tier: "silver"}}, []string{"int", "pub"}},
		{"entitled", models.ArticleFilter{Visibilities: everyone.Visibilities, Entitled: &models.Entitlements{Products: []string{"cloud"}, Tier: "gold"}}, []string{"gold", "int", "pub"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := x.Search(models.TextQuery{Text: "password", Filter: tc.filter, Limit: 10, Facets: true})
			got := ids(res)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) || res.Total != uint64(len(tc.want)) {
				t.Errorf("hits %q (total %d), want %q", got, res.Total, tc.want)
			}
		})
	}
}

func TestFacets(t *testing.T) {
	var articles []*models.Article
	for i := range 14 {
		a := public(fmt.Sprintf("a%d", i), "Invoice question", "")
		a.Category = fmt.Sprintf("cat%02d", i%12) // cat00 and cat01 twice
		if i < 3 {
			a.Product = "cloud"
		}
		articles = append(articles, a)
	}
	articles = append(articles, &models.Article{ID: "hidden", Title: "Invoice", Category: "secret", Visibility: models.VisibilityInternal})
	x := newIndex(articles...)
	res := x.Search(models.TextQuery{Text: "invoice", Filter: models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityPublic}}, Limit: 1, Facets: true})
	cats := res.Facets["category"]
	if len(cats) != facetSize || cats[0] != (models.FacetCount{Value: "cat00", Count: 2}) || cats[1] != (models.FacetCount{Value: "cat01", Count: 2}) || cats[2].Value != "cat02" {
		t.Errorf("categories %v", cats)
	}
	for _, c := range cats {
		if c.Value == "secret" {
			t.Errorf("a hidden article's category counted: %v", cats)
		}
	}
	if p := res.Facets["product"]; len(p) != 1 || p[0] != (models.FacetCount{Value: "cloud", Count: 3}) {
		t.Errorf("products %v, want cloud 3 (articles without one are not counted)", p)
	}
	if res.Total != 14 || len(res.Hits) != 1 {
		t.Errorf("total %d, %d hits", res.Total, len(res.Hits))
	}
}

func TestPaging(t *testing.T) {
	var articles []*models.Article
	for i := range 30 {
		articles = append(articles, public(fmt.Sprintf("a%02d", i), "Reset password", strings.Repeat("word ", i)))
	}
	x := newIndex(articles...)
	all := x.Search(models.TextQuery{Text: "password", Filter: everyone, Limit: 30})
	for off := 0; off < 32; off += 7 {
		page := x.Search(models.TextQuery{Text: "password", Filter: everyone, Offset: off, Limit: 7})
		want := ids(all)[min(off, 30):min(off+7, 30)]
		if got := ids(page); !slices.Equal(got, want) || page.Total != 30 {
			t.Errorf("offset %d: %q (total %d), want %q", off, got, page.Total, want)
		}
	}
	if got := ids(all); got[0] != "a00" || got[29] != "a29" {
		t.Errorf("a shorter body should rank higher: %q", got)
	}
}

func TestTypoRetry(t *testing.T) {
	x := newIndex(public("pw", "Reset password", "Forgot it"), public("tray", "Paper tray", ""), public("trap", "Trap door", ""),
		public("code", "Error E4216", ""))
	tests := []struct {
		query string
		want  []string
	}{
		{"pasword", []string{"pw"}},
		{"tray", []string{"tray"}}, // an exact match is not widened to "trap"
		{"qqqqqq", []string{}},
		// Codes are matched exactly: a code one digit off is another code.
		{"e4217", []string{}},
		{"e4216", []string{"code"}},
	}
	for _, tc := range tests {
		if got := ids(search(x, tc.query)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: hits %q, want %q", tc.query, got, tc.want)
		}
	}
	// Deflection does not retry: a draft's words are many.
	if res := x.Search(models.TextQuery{Match: models.MatchDeflect, Subject: "pasword", Filter: everyone, Limit: 5}); res.Total != 0 {
		t.Errorf("deflect retried with typos: %q", ids(res))
	}
}

func TestDeflectSubjectWeighsMore(t *testing.T) {
	x := newIndex(public("rollers", "Printer", "Clean the rollers"), public("toner", "Printer", "Replace the toner"))
	for _, tc := range []struct{ subject, body, want string }{{"rollers", "toner", "rollers"}, {"toner", "rollers", "toner"}} {
		res := x.Search(models.TextQuery{Match: models.MatchDeflect, Subject: tc.subject, Text: tc.body, Filter: everyone, Limit: 5})
		if got := ids(res); len(got) != 2 || got[0] != tc.want {
			t.Errorf("subject %q, body %q: %q, want %s first", tc.subject, tc.body, got, tc.want)
		}
	}
}

func TestEquivalents(t *testing.T) {
	x := newIndex(
		public("signin", "Cannot sign on", "The sign on page fails"),
		public("apart", "Sign here", "Sign the form and carry on"),
		public("login", "Login help", "More about login"),
	)
	res := x.Search(models.TextQuery{Text: "login", Filter: everyone, Limit: 5, Equivalents: []string{"sign on", "log on"}, Highlight: true})
	if got := ids(res); !slices.Equal(got, []string{"login", "signin"}) {
		t.Fatalf("hits %q, want the typed word first, then the phrase; words apart are no phrase", got)
	}
	if s := res.Hits[1].Snippet; !strings.Contains(s, "<mark>sign</mark>") {
		t.Errorf("snippet %q does not mark the phrase", s)
	}
	if c := res.Hits[1].Coverage; c != 0 {
		t.Errorf("coverage %v of an article found by an equivalent, want 0 (of the words typed)", c)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("Filler words pad this part. ", 12) + "Restart the <b>spooler</b> & the printer. " + strings.Repeat("More text follows here. ", 12)
	x := newIndex(
		public("short", "Printer offline", "Check the cable, then restart the print spooler."),
		public("long", "Printer offline", long),
		public("title", "Spooler", "Nothing here."),
	)
	res := x.Search(models.TextQuery{Text: "spooler", Filter: everyone, Limit: 5, Highlight: true})
	snippets := map[string]string{}
	for _, h := range res.Hits {
		snippets[h.ID] = h.Snippet
	}
	if got := snippets["short"]; got != "Check the cable, then restart the print <mark>spooler</mark>." {
		t.Errorf("short body: %q", got)
	}
	got := snippets["long"]
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "&lt;b&gt;<mark>spooler</mark>&lt;/b&gt; &amp; the printer") {
		t.Errorf("long body: %q", got)
	}
	if n := len(strings.Trim(got, "…")); n > snippetBytes+len("<mark></mark>")+20 {
		t.Errorf("long body: snippet of %d bytes", n)
	}
	if got := snippets["title"]; got != "" {
		t.Errorf("title-only match: snippet %q, want none", got)
	}
	if res := x.Search(models.TextQuery{Text: "spooler", Filter: everyone, Limit: 5}); res.Hits[0].Snippet != "" {
		t.Errorf("snippet without Highlight: %q", res.Hits[0].Snippet)
	}
}

func TestCoverage(t *testing.T) {
	x := newIndex(public("kb", "Reset password", "Follow the steps"))
	tests := []struct {
		q    models.TextQuery
		want float64
	}{
		{models.TextQuery{Text: "reset password zebra"}, 2.0 / 3},
		{models.TextQuery{Text: "pasword"}, 0.5}, // found by the typo retry
		{models.TextQuery{Match: models.MatchDeflect, Subject: "password", Text: "nothing else matches zebra"}, 1},
	}
	for _, tc := range tests {
		tc.q.Filter, tc.q.Limit, tc.q.Highlight = everyone, 5, true
		res := x.Search(tc.q)
		if len(res.Hits) != 1 || res.Hits[0].Coverage != tc.want {
			t.Errorf("%+v: %d hits, coverage %v, want %v", tc.q, len(res.Hits), res.Hits, tc.want)
		}
	}
}

// TestWritesKeepStatistics checks that an index that saw replacements and
// deletions, compacted or not, scores exactly as one built from what is
// left.
func TestWritesKeepStatistics(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := strings.Fields("printer password vpn invoice refund parcel laptop screen email account reset error offline")
	article := func(id string) *models.Article {
		var title, body []string
		for range 1 + r.IntN(3) {
			title = append(title, vocab[r.IntN(len(vocab))])
		}
		for range 3 + r.IntN(20) {
			body = append(body, vocab[r.IntN(len(vocab))])
		}
		return public(id, strings.Join(title, " "), strings.Join(body, " "))
	}
	for _, deletions := range []int{10, 150} { // below and above compaction
		x := New(words)
		kept := map[string]*models.Article{}
		for i := range 200 {
			a := article(fmt.Sprint(i))
			x.Put(a)
			kept[a.ID] = a
		}
		for i := range deletions {
			id := fmt.Sprint(i)
			if i%2 == 0 {
				x.Delete(id)
				delete(kept, id)
			} else {
				a := article(id)
				x.Put(a)
				kept[id] = a
			}
		}
		x.Delete("no such article")
		fresh := New(words)
		for _, a := range kept {
			fresh.Put(a)
		}
		if x.Len() != len(kept) {
			t.Errorf("%d deletions: Len %d, want %d", deletions, x.Len(), len(kept))
		}
		for _, q := range []string{"printer", "vpn offline", "reset account password"} {
			got := x.Search(models.TextQuery{Text: q, Filter: everyone, Limit: 20, Facets: true})
			want := fresh.Search(models.TextQuery{Text: q, Filter: everyone, Limit: 20, Facets: true})
			if got.Total != want.Total || !slices.EqualFunc(got.Hits, want.Hits, func(a, b models.ArticleHit) bool {
				return a.ID == b.ID && a.Score == b.Score
			}) {
				t.Errorf("%d deletions, %q: %q (total %d), a fresh index %q (total %d)", deletions, q, ids(got), got.Total, ids(want), want.Total)
			}
		}
	}
}

// TestConcurrentSearchAndWrite runs searches while articles change; run
// with -race.
func TestConcurrentSearchAndWrite(t *testing.T) {
	x := newIndex(public("a", "Printer offline", "Restart it"))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("%d-%d", w, i%20)
				if i%3 == 0 {
					x.Delete(id)
				} else {
					x.Put(public(id, "Printer jam", "Clear the paper"))
				}
				if res := search(x, "printer"); res.Total == 0 {
					t.Error("an article that was never deleted is not found")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"password", "pasword", true}, {"pasword", "password", true}, {"printer", "printr", true},
		{"tray", "trap", true}, {"tray", "tray", true}, {"tray", "trays", true},
		{"tray", "tarp", false}, {"abc", "a", false}, {"", "a", true}, {"ab", "ba", false},
	} {
		if got := oneEdit(c.a, c.b); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestCodesAreWhole checks that a hyphenated code is matched whole: the
// article holding it ranks above one holding its parts apart, typing it
// without the hyphen finds it, and its snippet marks it once.
func TestCodesAreWhole(t *testing.T) {
	x := newIndex(
		public("parts", "Payment errors", "Error E-204 means the card expired; 403 means the bank refused."),
		public("whole", "Payment declined", "Error E-403 means the bank refused the payment."),
	)
	for _, q := range []string{"E-403", "e403", "error e-403 when paying"} {
		res := x.Search(models.TextQuery{Text: q, Filter: everyone, Limit: 5, Highlight: true})
		if len(res.Hits) == 0 || res.Hits[0].ID != "whole" {
			t.Errorf("%q: hits %q, want whole first", q, ids(res))
			continue
		}
		if s := res.Hits[0].Snippet; !strings.Contains(s, "<mark>E-403</mark>") && !strings.Contains(s, "<mark>E</mark>-<mark>403</mark>") || strings.Count(s, "403") != 1 {
			t.Errorf("%q: snippet %q", q, s)
		}
	}
}

// TestLongDraftsOverALargeIndexReadRareWordsFirst checks that over a
// large index the common words of a long draft only add to the articles
// its rare words found: every article holds "account order help", the
// draft's rare words are in a few, and those alone are hits, in the
// order the whole draft gives them.
func TestLongDraftsOverALargeIndexReadRareWordsFirst(t *testing.T) {
	x := New(words)
	for i := range prunedArticles {
		x.Put(public(fmt.Sprint("filler", i), "Account order help", fmt.Sprintf("Help with an order on your account, case %d.", i)))
	}
	x.Put(
		public("capacitor", "Calibrating the flux capacitor", "Help with flux capacitor calibration on an order: run the calibration twice."),
		public("flux", "Flux readings", "Flux readings on your account drift after an order."),
	)
	draft := models.TextQuery{Match: models.MatchDeflect, Subject: "flux capacitor calibration",
		Text: "I need help with my account and my order: the flux capacitor calibration fails, please help today", Filter: everyone, Limit: 5}
	res := x.Search(draft)
	if got := ids(res); !slices.Equal(got, []string{"capacitor", "flux"}) || res.Total != 2 {
		t.Errorf("long draft: %v of %d hits, want [capacitor flux] of 2", got, res.Total)
	}
	// A short query reads every posting: the common words find too.
	if res := search(x, "account order help"); res.Total != uint64(prunedArticles+2) {
		t.Errorf("short query: %d hits, want %d", res.Total, prunedArticles+2)
	}
	// So does the long draft when the index reads every word, with the
	// two articles of the rare words still first.
	res = x.ReadEveryWord().Search(draft)
	if got := ids(res); len(got) < 2 || !slices.Equal(got[:2], []string{"capacitor", "flux"}) || res.Total != uint64(prunedArticles+2) {
		t.Errorf("long draft, every word read: %v of %d hits, want [capacitor flux ...] of %d", got, res.Total, prunedArticles+2)
	}
}

// TestCommonWordsTwoWays checks that the two ways of adding a long
// draft's common words to the articles found, through the words' posting
// lists and through the articles' words, give the same sums.
func TestCommonWordsTwoWays(t *testing.T) {
	x := New(words)
	r := rand.New(rand.NewPCG(3, 4))
	vocabulary := strings.Fields("account order help refund parcel printer toner laptop screen wifi invoice password flux capacitor calibration")
	text := func(n int) string {
		var w []string
		for range n {
			w = append(w, vocabulary[r.IntN(len(vocabulary))])
		}
		return strings.Join(w, " ")
	}
	for i := range prunedArticles + 500 {
		x.Put(public(fmt.Sprint(i), text(3), text(20)))
	}
	g := group{x.queryTerms("help with account order refund parcel printer toner laptop flux capacitor calibration", false), 1}
	n := len(x.slots)
	avg := x.averages(n)
	common := x.commonTerms(g, n)
	if !slices.Contains(common, true) || !slices.Contains(common, false) {
		t.Fatalf("common %v: want common and rare words", common)
	}
	sums := func(byPostings bool) map[uint32]fieldSums {
		acc := x.accumulator()
		x.scoreFinding(acc, x.admission(everyone), g, common, n, avg)
		if byPostings {
			x.commonByPostings(acc, g, common, n, avg)
		} else {
			x.commonByArticles(acc, g, common, n, avg)
		}
		out := map[uint32]fieldSums{}
		for _, slot := range acc.touched {
			out[slot] = acc.fields[slot]
			acc.fields[slot] = fieldSums{}
		}
		acc.touched = acc.touched[:0]
		return out
	}
	a, b := sums(true), sums(false)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d articles through postings, %d through articles", len(a), len(b))
	}
	for slot, s := range a {
		o := b[slot]
		if s.mask != o.mask {
			t.Fatalf("article %d: words %v through postings, %v through articles", slot, s.mask, o.mask)
		}
		for f := range s.sum {
			if d := s.sum[f] - o.sum[f]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("article %d field %d: %f through postings, %f through articles", slot, f, s.sum[f], o.sum[f])
			}
		}
	}
}

// TestTermWeightsReadTyposAsTheWordsMeant checks that a misspelt word of
// a question stands for the word the articles hold, while a word no
// article holds anything like, or a code, stays itself and rare.
func TestTermWeightsReadTyposAsTheWordsMeant(t *testing.T) {
	x := newIndex(
		public("a", "Reset your password", "Open the password page."),
		public("b", "Track a parcel", "Tracking shows the parcel; no password needed."),
		public("c", "Error E-301", "Restart the hub."),
	)
	got := map[string]float64{}
	for _, w := range x.TermWeights("pasword reset homekit parcell E-302") {
		got[w.Term] = w.IDF
	}
	for _, want := range []string{"password", "reset", "homekit", "parcel", "302"} {
		if _, ok := got[want]; !ok {
			t.Errorf("terms %v: want %q", got, want)
		}
	}
	if got["homekit"] <= got["password"] {
		t.Errorf("homekit idf %f, want above password's %f (held by none)", got["homekit"], got["password"])
	}
}
