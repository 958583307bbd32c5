package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/siftdesk/sift/models"
)

// maxQueryWords bounds the words of one ticket search, as the text of a
// ticket can be long.
const maxQueryWords = 32

// SearchTickets returns the k tickets within scope (its portal, and its
// organisation when set) whose subject and body share the most words
// with text, best first, by PostgreSQL's full-text ranking (English
// stemming, the subject weighing more). Any word of text may match, as in
// the engine's own ticket search; a text with no word matches nothing.
func (s *Store) SearchTickets(ctx context.Context, text string, k int, scope models.TicketScope) ([]models.TicketHit, error) {
	query := tsQuery(text)
	if query == "" || k <= 0 {
		return nil, ctx.Err()
	}
	rows, err := s.pool.Query(ctx, `SELECT id, ts_rank(ticket_text, q)
		FROM documents, to_tsquery('english', $1) q
		WHERE kind = 'ticket' AND ticket_text @@ q AND access = $2 AND ($3 = '' OR org = $3)
		ORDER BY 2 DESC, id LIMIT $4`, query, ticketAccess(scope.Portal), scope.Org, k)
	if err == nil {
		var hits []models.TicketHit
		hits, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (h models.TicketHit, err error) {
			err = row.Scan(&h.ID, &h.Score)
			return
		})
		if err == nil {
			return hits, nil
		}
	}
	return nil, fmt.Errorf("ticket search: %w", classify(err))
}

// tsQuery turns text into a to_tsquery expression matching any of its
// words (letters and digits only, so nothing in text is read as query
// syntax), at most maxQueryWords distinct ones; "" when it has none.
func tsQuery(text string) string {
	seen := map[string]bool{}
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !seen[w] && len(words) < maxQueryWords {
			seen[w] = true
			words = append(words, w)
		}
	}
	return strings.Join(words, " | ")
}
