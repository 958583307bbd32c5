package engine

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/siftdesk/sift/models"
)

// JudgedPrefix is what someone had typed into a search box when they
// were after one of Intended: one line of a type-ahead evaluation file.
type JudgedPrefix struct {
	Query    string        `json:"q"`
	Portal   models.Portal `json:"portal"`
	Intended []string      `json:"intended"`
	Source   string        `json:"source"` // a label to group scores by, e.g. "title-typo"
}

// ReadJudgedPrefixes reads JSON Lines of judged prefixes, naming the line
// of any bad one.
func ReadJudgedPrefixes(r io.Reader) ([]JudgedPrefix, error) {
	return readJudged(r, func(p JudgedPrefix) error {
		if p.Query == "" || len(p.Intended) == 0 {
			return fmt.Errorf("q and intended are required")
		}
		_, err := models.ParsePortal(string(p.Portal))
		return err
	})
}

// SuggestScores are the shares of a set of prefixes whose intended
// article type-ahead showed (Hit8, among the first eight suggestions) and
// that got any article at all (Answered).
type SuggestScores struct {
	Prefixes int     `json:"prefixes"`
	Hit8     float64 `json:"hit_at_8"`
	Answered float64 `json:"answered"`
}

// SuggestMiss is a prefix whose intended article was not shown, and the
// articles that were.
type SuggestMiss struct {
	Prefix JudgedPrefix
	Shown  []string
}

// EvaluateSuggest runs every prefix through Suggest, as the portal's
// anonymous visitor of its portal, with the default limit of eight, and
// scores the article suggestions. Scores are returned per Source and under
// "all"; misses, when not nil, collects the prefixes that missed.
func (e *Engine) EvaluateSuggest(ctx context.Context, prefixes []JudgedPrefix, misses *[]SuggestMiss) (map[string]SuggestScores, error) {
	type tally struct{ n, hits, answered int }
	sums := map[string]*tally{}
	for _, p := range prefixes {
		res, err := e.Suggest(ctx, models.SuggestRequest{Query: p.Query, Audience: models.Audience{Portal: p.Portal}, Limit: models.DefaultSuggestLimit})
		if err != nil {
			return nil, fmt.Errorf("prefix %q: %w", p.Query, err)
		}
		var shown []string
		for _, s := range res.Suggestions {
			if s.ID != "" {
				shown = append(shown, s.ID)
			}
		}
		hit := slices.ContainsFunc(shown, func(id string) bool { return slices.Contains(p.Intended, id) })
		if !hit && misses != nil {
			*misses = append(*misses, SuggestMiss{Prefix: p, Shown: shown})
		}
		for _, key := range []string{"all", p.Source} {
			if key == "" {
				continue
			}
			t := sums[key]
			if t == nil {
				t = &tally{}
				sums[key] = t
			}
			t.n++
			if hit {
				t.hits++
			}
			if len(shown) > 0 {
				t.answered++
			}
		}
	}
	out := map[string]SuggestScores{}
	for key, t := range sums {
		out[key] = SuggestScores{Prefixes: t.n, Hit8: float64(t.hits) / float64(t.n), Answered: float64(t.answered) / float64(t.n)}
	}
	return out, nil
}
