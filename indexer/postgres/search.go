package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
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
// stemming, the subject weighing more). Over prunedTickets tickets or
// more, the words held by more than models.CommonWordShare of them only
// add to the rank of the tickets rarer words find (all find when all are
// common), as in the engine's in-memory ticket search, which applies the
// rule at any size; a text with no word matches nothing.
func (s *Store) SearchTickets(ctx context.Context, text string, k int, scope models.TicketScope) ([]models.TicketHit, error) {
	words := queryWords(text)
	if len(words) == 0 || k <= 0 {
		return nil, ctx.Err()
	}
	rows, err := s.pool.Query(ctx, `SELECT id, ts_rank(ticket_text, q)
		FROM documents, to_tsquery('english', array_to_string($1::text[], ' | ')) q,
			(SELECT to_tsquery('english', coalesce(string_agg(w, ' | '), array_to_string($1::text[], ' | '))) AS finding
			FROM unnest($1::text[]) w
			WHERE to_tsvector('english', w) <> '' AND NOT tsvector_to_array(to_tsvector('english', w)) && $2::text[]) f
		WHERE kind = 'ticket' AND ticket_text @@ f.finding AND access = $3 AND ($4 = '' OR org = $4)
		ORDER BY 2 DESC, id LIMIT $5`, words, s.commonLexemes(ctx), ticketAccess(scope.Portal), scope.Org, k)
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

// queryWords are the distinct words of text (letters and digits only, so
// nothing in text is read as query syntax), lower-cased, at most
// maxQueryWords of them.
func queryWords(text string) []string {
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
	return words
}

// Common lexemes are read from the planner's statistics of the tickets'
// text, which ANALYZE keeps (autovacuum runs it after enough writes):
// again at most every commonLexemesEvery, and only over prunedTickets
// tickets or more, below which a few tickets make any word common and a
// search is fast anyway.
const (
	commonLexemesEvery = 10 * time.Minute
	prunedTickets      = 10_000
)

// commonLexemes holds the stemmed words of the ticket text that more than
// models.CommonWordShare of the tickets hold.
type commonLexemes struct {
	mu   sync.Mutex
	set  []string
	read time.Time
}

// commonLexemes returns the common lexemes of the tickets, reading them
// again when they are older than commonLexemesEvery; none before the
// statistics exist. A failed read keeps the previous set until the next
// search tries again.
func (s *Store) commonLexemes(ctx context.Context) []string {
	c := &s.common
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.read.IsZero() && time.Since(c.read) < commonLexemesEvery {
		return c.set
	}
	var set []string
	err := s.pool.QueryRow(ctx, `SELECT coalesce(array_agg(u.lexeme), '{}')
		FROM pg_stats s
		JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = s.schemaname::regnamespace,
			-- the shares end with three more figures than there are lexemes
			unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(lexeme, share)
		WHERE s.schemaname = current_schema() AND s.tablename = 'documents' AND s.attname = 'ticket_text'
			AND u.lexeme IS NOT NULL AND u.share > $1 AND (1 - s.null_frac) * c.reltuples >= $2`, models.CommonWordShare, prunedTickets).Scan(&set)
	if err != nil {
		return c.set
	}
	c.set, c.read = set, time.Now()
	return set
}
