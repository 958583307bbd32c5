package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/siftdesk/sift/models"
)

// TestDidYouMean corrects the 52 misspelled queries of
// testdata/eval/misspellings.jsonl from the demo articles' words: at
// least 90% must come back exactly as intended.
func TestDidYouMean(t *testing.T) {
	f := openDemo(t, backends[0])
	type misspelling struct{ Query, Correction string }
	set := readEval(t, "misspellings.jsonl", func(r *os.File) ([]misspelling, error) {
		var out []misspelling
		dec := json.NewDecoder(r)
		for dec.More() {
			var m misspelling
			if err := dec.Decode(&m); err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	})
	if len(set) < 50 {
		t.Fatalf("%d misspellings, want at least 50", len(set))
	}
	right := 0
	for _, m := range set {
		got, _ := f.eng.DidYouMean(m.Query)
		if got == m.Correction {
			right++
		} else {
			t.Logf("%q: corrected to %q, want %q", m.Query, got, m.Correction)
		}
	}
	if share := float64(right) / float64(len(set)); share < 0.9 {
		t.Errorf("%d of %d corrected right (%.2f), want at least 0.9", right, len(set), share)
	}
}

// TestDidYouMeanWhenNothingMatches checks that search and type-ahead
// offer the corrected query when the one typed matches nothing, and only
// then.
func TestDidYouMeanWhenNothingMatches(t *testing.T) {
	f := openDemo(t, backends[0])
	ctx := context.Background()
	aud := models.Audience{Portal: models.PortalCustomer}
	res, err := f.eng.Search(ctx, models.SearchRequest{Query: "paswrod", Audience: aud})
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched || res.DidYouMean != "password" {
		t.Errorf("search paswrod: matched %v, did you mean %q; want no match and password", res.Matched, res.DidYouMean)
	}
	sug, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: "paswrod", Audience: aud})
	if err != nil {
		t.Fatal(err)
	}
	if len(sug.Suggestions) != 0 || sug.DidYouMean != "password" {
		t.Errorf("suggest paswrod: %d suggestions, did you mean %q; want none and password", len(sug.Suggestions), sug.DidYouMean)
	}
	res, err = f.eng.Search(ctx, models.SearchRequest{Query: "password reset", Audience: aud})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Matched || res.DidYouMean != "" {
		t.Errorf("search password reset: matched %v, did you mean %q; want a match and nothing offered", res.Matched, res.DidYouMean)
	}
}
