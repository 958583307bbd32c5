package engine

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/siftdesk/sift/engine/relevance"
	"github.com/siftdesk/sift/models"
)

// NoMatchQuery is a query no article answers (off-topic, gibberish, in a
// language the index does not hold): one line of a no-match file.
type NoMatchQuery struct {
	Query  string        `json:"query"`
	Portal models.Portal `json:"portal"`
	Kind   string        `json:"kind"` // e.g. "off-topic", "foreign"
}

// ReadNoMatchQueries reads JSON Lines of no-match queries, naming the
// line of any bad one.
func ReadNoMatchQueries(r io.Reader) ([]NoMatchQuery, error) {
	return readJudged(r, func(q NoMatchQuery) error {
		if q.Query == "" {
			return fmt.Errorf("query is required")
		}
		_, err := models.ParsePortal(string(q.Portal))
		return err
	})
}

// JudgeHits runs judged queries, then no-match queries, through Search
// with the given retrieval options and returns each one's first ten hits
// as the relevance model reads them, with their judgments: the data
// models are fitted and checked on. Answers are not gated: every hit
// comes back, whatever the model says.
func (e *Engine) JudgeHits(ctx context.Context, judged []JudgedQuery, unknown []NoMatchQuery, r models.Retrieval) ([]relevance.Judged, error) {
	r.Explain = true
	var out []relevance.Judged
	run := func(query string, portal models.Portal, kind string, relevant []string) error {
		res, _, _, err := e.rankArticles(ctx, models.SearchRequest{Query: query, Audience: models.Audience{Portal: portal}, Limit: 10, Retrieval: r})
		if err != nil {
			return fmt.Errorf("query %q: %w", query, err)
		}
		j := relevance.Judged{Kind: kind, Relevant: len(relevant)}
		for _, h := range res.Hits {
			j.Hits = append(j.Hits, relevance.Example{
				Features: relevance.Features{Coverage: h.Explain.Coverage, Cosine: h.Explain.VectorScore, ByText: h.Explain.TextRank > 0},
				Relevant: slices.Contains(relevant, h.ID),
			})
		}
		out = append(out, j)
		return nil
	}
	for _, q := range judged {
		if err := run(q.Query, q.Portal, q.Kind, q.Relevant); err != nil {
			return nil, err
		}
	}
	for _, q := range unknown {
		if err := run(q.Query, q.Portal, relevance.NoMatch, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
