package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/siftdesk/sift/models"
)

// JudgedQuery is a query with the articles that answer it, best first:
// one line of a retrieval evaluation file.
type JudgedQuery struct {
	Query    string        `json:"query"`
	Portal   models.Portal `json:"portal"`
	Relevant []string      `json:"relevant"`
	Kind     string        `json:"kind"` // a label to group scores by, e.g. "paraphrase"
}

// ReadJudgedQueries reads JSON Lines of judged queries, naming the line of
// any bad one.
func ReadJudgedQueries(r io.Reader) ([]JudgedQuery, error) {
	return readJudged(r, func(q JudgedQuery) error {
		if q.Query == "" || len(q.Relevant) == 0 {
			return fmt.Errorf("query and relevant are required")
		}
		_, err := models.ParsePortal(string(q.Portal))
		return err
	})
}

// readJudged reads JSON Lines of T, checking each with check and naming
// the line of any bad one. Blank lines are skipped.
func readJudged[T any](r io.Reader, check func(T) error) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, models.ExplainJSON(err))
		}
		if err := check(v); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// RetrievalScores are the mean scores of a set of queries.
type RetrievalScores struct {
	Queries int     `json:"queries"`
	NDCG10  float64 `json:"ndcg_at_10"`
	MRR     float64 `json:"mrr"`
	Recall5 float64 `json:"recall_at_5"`
}

// QueryOutcome is how one judged query scored against its judgement.
type QueryOutcome struct {
	NDCG10, Recall5 float64
}

// EvaluateSearch runs every query through Search with the given retrieval
// options and scores the ranking against the judgements: nDCG@10 (graded by
// the order of Relevant), MRR (first relevant hit) and recall@5. Scores are
// returned per Kind and under "all", with each query's outcome, in the
// order of queries.
func (e *Engine) EvaluateSearch(ctx context.Context, queries []JudgedQuery, r models.Retrieval) (map[string]RetrievalScores, []QueryOutcome, error) {
	sums := map[string]*RetrievalScores{}
	add := func(kind string, ndcg, rr, recall float64) {
		s := sums[kind]
		if s == nil {
			s = &RetrievalScores{}
			sums[kind] = s
		}
		s.Queries++
		s.NDCG10 += ndcg
		s.MRR += rr
		s.Recall5 += recall
	}
	outcomes := make([]QueryOutcome, len(queries))
	for i, q := range queries {
		res, err := e.Search(ctx, models.SearchRequest{Query: q.Query, Audience: models.Audience{Portal: q.Portal}, Limit: 10,
			Retrieval: r})
		if err != nil {
			return nil, nil, fmt.Errorf("query %q: %w", q.Query, err)
		}
		var ranked []string
		for _, h := range res.Hits {
			ranked = append(ranked, h.ID)
		}
		ndcg, rr, recall := scoreRanking(ranked, q.Relevant)
		outcomes[i] = QueryOutcome{NDCG10: ndcg, Recall5: recall}
		add("all", ndcg, rr, recall)
		if q.Kind != "" {
			add(q.Kind, ndcg, rr, recall)
		}
	}
	out := map[string]RetrievalScores{}
	for kind, s := range sums {
		n := float64(s.Queries)
		out[kind] = RetrievalScores{Queries: s.Queries, NDCG10: s.NDCG10 / n, MRR: s.MRR / n, Recall5: s.Recall5 / n}
	}
	return out, outcomes, nil
}

// scoreRanking scores one ranked list. The i-th relevant id (0-based) has
// gain len(relevant)-i, so the best answer counts most.
func scoreRanking(ranked, relevant []string) (ndcg, rr, recall5 float64) {
	gain := func(id string) float64 {
		if i := slices.Index(relevant, id); i >= 0 {
			return float64(len(relevant) - i)
		}
		return 0
	}
	var dcg, ideal float64
	found5 := 0
	for i, id := range ranked[:min(10, len(ranked))] {
		g := gain(id)
		dcg += g / math.Log2(float64(i+2))
		if g > 0 && rr == 0 {
			rr = 1 / float64(i+1)
		}
		if g > 0 && i < 5 {
			found5++
		}
	}
	for i := range min(10, len(relevant)) {
		ideal += float64(len(relevant)-i) / math.Log2(float64(i+2))
	}
	return dcg / ideal, rr, float64(found5) / float64(min(5, len(relevant)))
}
