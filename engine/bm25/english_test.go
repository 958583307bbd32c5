package bm25_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/models"
)

// These tests search with the English analyzer the engine uses: word
// forms and stopwords as a person's query meets them.

var (
	publicOnly = []models.Visibility{models.VisibilityPublic}
	everything = []models.Visibility{models.VisibilityPublic, models.VisibilityInternal}
)

// corpus is a small knowledge base: a few public articles and internal
// ones that share their words.
var corpus = []models.Article{
	{ID: "kb-title", Title: "Reset your password", Body: "Open the Settings page and follow the steps.",
		Category: "Account", Product: "Portal", Tags: []string{"login"}},
	{ID: "kb-body", Title: "Security settings overview", Body: "From here you can change the password, the language and more.",
		Category: "Security", Product: "Portal", Tags: []string{"security"}},
	{ID: "kb-printer", Title: "Printer jams", Body: "**Remove** the paper tray, then [clear the rollers](/rollers).",
		Category: "Hardware", Product: "Office", Tags: []string{"printing"}},
	{ID: "kb-trap", Title: "Trap door sensor", Body: "The sensor reports an open trap.",
		Category: "Hardware", Product: "Facilities"},
	{ID: "kb-int-vpn", Title: "Unlock a VPN account password", Body: "Use the admin console to unlock the VPN account.",
		Category: "Account", Product: "VPN", Visibility: models.VisibilityInternal, Tags: []string{"vpn", "password"}},
	{ID: "kb-int-printer", Title: "Printer fleet admin password", Body: "The printer admin password rotates monthly.",
		Category: "Hardware", Product: "Office", Visibility: models.VisibilityInternal},
}

// openCorpus returns an index holding corpus.
func openCorpus(t *testing.T) *bm25.Index {
	t.Helper()
	x := bm25.New(bm25.English())
	for _, a := range corpus {
		c, err := models.NewArticleChange(&a) // normalised as a write is
		if err != nil {
			t.Fatal(err)
		}
		x.Put(c.Article)
	}
	return x
}

func search(t *testing.T, x *bm25.Index, q models.TextQuery) models.SearchResult {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 20
	}
	return x.Search(q)
}

func ids(res models.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchVisibility(t *testing.T) {
	x := openCorpus(t)
	internal := map[string]bool{}
	for _, a := range corpus {
		if a.Visibility == models.VisibilityInternal {
			internal[a.ID] = true
		}
	}
	queries := []string{"password", "vpn", "unlock account", "admin console", "printer", "printer admin password",
		"pasword", "vnp", "fleet", "rotates monthly", "reset fails"}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			for _, m := range []models.TextMatch{models.MatchSearch, models.MatchDeflect} {
				res := search(t, x, models.TextQuery{Match: m, Text: q, Subject: q, Filter: models.ArticleFilter{Visibilities: publicOnly}, Facets: true, Highlight: true})
				for _, h := range res.Hits {
					if internal[h.ID] || h.Visibility != models.VisibilityPublic {
						t.Errorf("match %d: public-only query returned %s (visibility %q)", m, h.ID, h.Visibility)
					}
					if strings.Contains(h.ID, "/") || h.ID == "T-1" {
						t.Errorf("match %d: article search returned %q", m, h.ID)
					}
				}
				if int(res.Total) != len(res.Hits) {
					t.Errorf("match %d: total %d counts hits that are not returned (%d)", m, res.Total, len(res.Hits))
				}
				for _, f := range res.Facets {
					for _, c := range f {
						if c.Value == "VPN" {
							t.Errorf("match %d: facets count an internal article: %+v", m, res.Facets)
						}
					}
				}
			}
		})
	}
	t.Run("employees see internal articles", func(t *testing.T) {
		res := search(t, x, models.TextQuery{Text: "vpn", Filter: models.ArticleFilter{Visibilities: everything}})
		if !slices.Contains(ids(res), "kb-int-vpn") {
			t.Errorf("hits %q lack kb-int-vpn", ids(res))
		}
		for _, h := range res.Hits {
			if h.ID == "kb-int-vpn" && h.Visibility != models.VisibilityInternal {
				t.Errorf("kb-int-vpn hit has visibility %q", h.Visibility)
			}
		}
	})
	t.Run("no visibility allowed finds nothing", func(t *testing.T) {
		res := search(t, x, models.TextQuery{Text: "password", Filter: models.ArticleFilter{Visibilities: nil}})
		if res.Total != 0 || len(res.Hits) != 0 {
			t.Errorf("hits %q", ids(res))
		}
	})
	t.Run("internal only", func(t *testing.T) {
		res := search(t, x, models.TextQuery{Text: "password", Filter: models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityInternal}}})
		for _, h := range res.Hits {
			if !internal[h.ID] {
				t.Errorf("internal-only query returned %s", h.ID)
			}
		}
	})
}

func TestSearchRanking(t *testing.T) {
	x := openCorpus(t)
	res := search(t, x, models.TextQuery{Text: "password", Filter: models.ArticleFilter{Visibilities: publicOnly}})
	got := ids(res)
	ti, bi := slices.Index(got, "kb-title"), slices.Index(got, "kb-body")
	if ti < 0 || bi < 0 {
		t.Fatalf("hits %q, want kb-title and kb-body", got)
	}
	if ti > bi {
		t.Errorf("title match ranked below body-only match: %q", got)
	}
	if res.Hits[ti].Score <= res.Hits[bi].Score {
		t.Errorf("scores: title %v, body %v", res.Hits[ti].Score, res.Hits[bi].Score)
	}
	h := res.Hits[ti]
	if h.Title != "Reset your password" || h.Category != "Account" || h.Product != "Portal" {
		t.Errorf("hit fields = %+v", h)
	}

	t.Run("paging", func(t *testing.T) {
		all := search(t, x, models.TextQuery{Text: "password printer", Filter: models.ArticleFilter{Visibilities: everything}})
		if len(all.Hits) < 3 {
			t.Fatalf("only %d hits", len(all.Hits))
		}
		page := search(t, x, models.TextQuery{Text: "password printer", Filter: models.ArticleFilter{Visibilities: everything}, Limit: 1, Offset: 1})
		if len(page.Hits) != 1 || page.Hits[0].ID != all.Hits[1].ID || page.Total != all.Total {
			t.Errorf("page 2 = %q (total %d), want %q (total %d)", ids(page), page.Total, all.Hits[1].ID, all.Total)
		}
	})
}

func TestSearchHighlight(t *testing.T) {
	x := openCorpus(t)
	res := search(t, x, models.TextQuery{Text: "paper", Filter: models.ArticleFilter{Visibilities: publicOnly}, Highlight: true})
	if len(res.Hits) != 1 || res.Hits[0].ID != "kb-printer" {
		t.Fatalf("hits %q, want kb-printer", ids(res))
	}
	s := res.Hits[0].Snippet
	if !strings.Contains(s, "<mark>paper</mark>") {
		t.Errorf("snippet %q lacks <mark>paper</mark>", s)
	}
	if strings.Contains(s, "**") || strings.Contains(s, "](") {
		t.Errorf("snippet %q contains Markdown", s)
	}
	res = search(t, x, models.TextQuery{Text: "paper", Filter: models.ArticleFilter{Visibilities: publicOnly}})
	if res.Hits[0].Snippet != "" {
		t.Errorf("snippet %q without Highlight", res.Hits[0].Snippet)
	}
}

func TestSearchFacets(t *testing.T) {
	x := openCorpus(t)
	res := search(t, x, models.TextQuery{Text: "password printer", Filter: models.ArticleFilter{Visibilities: everything}, Facets: true})
	facet := func(name string) map[string]int {
		out := map[string]int{}
		for _, c := range res.Facets[name] {
			out[c.Value] = c.Count
		}
		return out
	}
	// password: kb-title (Account/Portal), kb-body (Security/Portal),
	// kb-int-vpn (Account/VPN), kb-int-printer (Hardware/Office);
	// printer: kb-printer (Hardware/Office).
	wantCat := map[string]int{"Account": 2, "Security": 1, "Hardware": 2}
	wantProd := map[string]int{"Portal": 2, "VPN": 1, "Office": 2}
	if got := facet("category"); !maps.Equal(got, wantCat) {
		t.Errorf("category facet = %v, want %v", got, wantCat)
	}
	if got := facet("product"); !maps.Equal(got, wantProd) {
		t.Errorf("product facet = %v, want %v", got, wantProd)
	}
	if res.Total != 5 {
		t.Errorf("total = %d, want 5 (%q)", res.Total, ids(res))
	}
	res = search(t, x, models.TextQuery{Text: "password", Filter: models.ArticleFilter{Visibilities: everything}})
	if res.Facets != nil {
		t.Errorf("facets %v without Facets", res.Facets)
	}
}

func TestSearchDeflect(t *testing.T) {
	x := openCorpus(t)
	tests := []struct {
		name, subject, body string
		want                string // the top hit; "" for none
	}{
		{"subject and body", "Printer keeps jamming", "I removed the tray but it still will not print anything today", "kb-printer"},
		{"subject only", "forgot my password", "", "kb-title"},
		{"body only", "", "Where do I change the security settings?", "kb-body"},
		{"no typo tolerance", "pasword", "", ""},
		{"nothing in common", "weather", "sunny", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, x, models.TextQuery{Match: models.MatchDeflect, Subject: tc.subject, Text: tc.body, Filter: models.ArticleFilter{Visibilities: publicOnly}})
			if tc.want == "" {
				if len(res.Hits) != 0 {
					t.Errorf("hits %q, want none", ids(res))
				}
				return
			}
			if len(res.Hits) == 0 || res.Hits[0].ID != tc.want {
				t.Errorf("hits %q, want %s first", ids(res), tc.want)
			}
		})
	}
	t.Run("subject weighs more than body", func(t *testing.T) {
		// "rollers" and "change" are each in one body only.
		res := search(t, x, models.TextQuery{Match: models.MatchDeflect, Subject: "rollers", Text: "change", Filter: models.ArticleFilter{Visibilities: publicOnly}})
		if len(res.Hits) < 2 || res.Hits[0].ID != "kb-printer" {
			t.Errorf("hits %q, want kb-printer first", ids(res))
		}
		res = search(t, x, models.TextQuery{Match: models.MatchDeflect, Subject: "change", Text: "rollers", Filter: models.ArticleFilter{Visibilities: publicOnly}})
		if len(res.Hits) < 2 || res.Hits[0].ID != "kb-body" {
			t.Errorf("swapped: hits %q, want kb-body first", ids(res))
		}
	})
}

func TestSearchFuzzyRetry(t *testing.T) {
	x := openCorpus(t)
	tests := []struct {
		query   string
		want    []string // must be among the hits
		notWant []string
	}{
		{"pasword", []string{"kb-title", "kb-body"}, nil},
		{"printr", []string{"kb-printer"}, nil},
		// An exact match is not widened: "tray" must not bring "trap".
		{"tray", []string{"kb-printer"}, []string{"kb-trap"}},
		{"trap", []string{"kb-trap"}, []string{"kb-printer"}},
		// A typo only internal articles would fix stays hidden.
		{"consol", nil, []string{"kb-int-vpn"}},
		{"qqqqqqqq", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := search(t, x, models.TextQuery{Text: tc.query, Filter: models.ArticleFilter{Visibilities: publicOnly}})
			got := ids(res)
			for _, id := range tc.want {
				if !slices.Contains(got, id) {
					t.Errorf("hits %q lack %s", got, id)
				}
			}
			for _, id := range tc.notWant {
				if slices.Contains(got, id) {
					t.Errorf("hits %q include %s", got, id)
				}
			}
			if len(tc.want) == 0 && len(got) != 0 {
				t.Errorf("hits %q, want none", got)
			}
		})
	}
}

// TestCoverage checks the share of a query's words a hit holds, for a
// search, its typo-tolerant retry, and a draft, whose subject is read.
func TestCoverage(t *testing.T) {
	x := openCorpus(t)
	cover := func(q models.TextQuery, id string) float64 {
		t.Helper()
		q.Filter = models.ArticleFilter{Visibilities: publicOnly}
		q.Highlight = true
		for _, h := range search(t, x, q).Hits {
			if h.ID == id {
				return h.Coverage
			}
		}
		t.Fatalf("%+v: %s not found", q, id)
		return 0
	}
	if got := cover(models.TextQuery{Text: "reset password zebra"}, "kb-title"); got < 0.66 || got > 0.67 {
		t.Errorf("reset password zebra: coverage %.3f, want 2/3", got)
	}
	if got := cover(models.TextQuery{Text: "pasword"}, "kb-body"); got != 0.5 {
		t.Errorf("pasword (found by the typo-tolerant retry): coverage %.3f, want 0.5", got)
	}
	draft := models.TextQuery{Match: models.MatchDeflect, Subject: "reset password", Text: "many other words about my weekend and the weather"}
	if got := cover(draft, "kb-title"); got != 1 {
		t.Errorf("draft: coverage %.3f, want 1 (of the subject's words)", got)
	}
}
