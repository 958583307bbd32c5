package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

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

// SuggestOutcome is what type-ahead showed for one judged prefix: the
// article ids, best first, whether one was intended, and how long it took.
type SuggestOutcome struct {
	Shown []string
	Hit   bool
	Took  time.Duration
}

// EvaluateSuggest runs every prefix through Suggest, as an anonymous
// visitor of its portal with the default limit of eight, and scores the
// article suggestions. Scores are returned per Source and under "all",
// with each prefix's outcome, in the order of prefixes.
func (e *Engine) EvaluateSuggest(ctx context.Context, prefixes []JudgedPrefix) (map[string]SuggestScores, []SuggestOutcome, error) {
	type tally struct{ n, hits, answered int }
	sums := map[string]*tally{}
	outcomes := make([]SuggestOutcome, len(prefixes))
	for i, p := range prefixes {
		start := time.Now()
		res, err := e.Suggest(ctx, models.SuggestRequest{Query: p.Query, Audience: models.Audience{Portal: p.Portal}, Limit: models.DefaultSuggestLimit})
		if err != nil {
			return nil, nil, fmt.Errorf("prefix %q: %w", p.Query, err)
		}
		o := &outcomes[i]
		o.Took = time.Since(start)
		for _, s := range res.Suggestions {
			if s.ID != "" {
				o.Shown = append(o.Shown, s.ID)
			}
		}
		o.Hit = slices.ContainsFunc(o.Shown, func(id string) bool { return slices.Contains(p.Intended, id) })
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
			if o.Hit {
				t.hits++
			}
			if len(o.Shown) > 0 {
				t.answered++
			}
		}
	}
	out := map[string]SuggestScores{}
	for key, t := range sums {
		out[key] = SuggestScores{Prefixes: t.n, Hit8: float64(t.hits) / float64(t.n), Answered: float64(t.answered) / float64(t.n)}
	}
	return out, outcomes, nil
}
