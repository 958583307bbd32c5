package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/siftdesk/sift/engine/duplicate"
	"github.com/siftdesk/sift/engine/ticketindex"
	"github.com/siftdesk/sift/models"
)

// Spike detection settings. (Duplicates: engine/duplicate.)
const (
	// spikeSimilarity links two recent tickets into one incident.
	spikeSimilarity = 0.70
	// spikeWindow is how close in time linked tickets must be.
	spikeWindow = 6 * time.Hour
	// MinSpikeSize is how many near-duplicate tickets make a spike.
	MinSpikeSize = 3
	// MaxSimilarTickets bounds a similar-tickets answer.
	MaxSimilarTickets = 20
	// loadingSearchBudget bounds a similar-ticket search while the
	// in-memory ticket search loads: the full-text index that answers
	// meanwhile (PostgreSQL's, on a replica) can take a second or more
	// over a million tickets, and triage should not wait on it.
	loadingSearchBudget = 500 * time.Millisecond
)

// ErrSimilarTicketsPending reports that similar tickets could not be
// searched within loadingSearchBudget while this server's in-memory ticket
// search loads; asking again shortly finds them.
var ErrSimilarTicketsPending = errors.New("similar tickets: this server is still loading its ticket search and the full-text index did not answer in time; ask again shortly")

// ticketScope is where the tickets a ticket may be compared with are
// searched for: its own portal, and for customer tickets its own
// organisation, so no customer's ticket is ever shown beside another
// organisation's. Within it, a customer ticket is compared only with those
// its requester may see (see comparable).
func ticketScope(t *models.Ticket) models.TicketScope {
	s := models.TicketScope{Portal: t.Portal}
	if t.Portal != models.PortalITSM {
		s.Org = t.Org
	}
	return s
}

// comparable reports whether other may be shown beside t: on the customer
// portal, only a ticket t's requester may see (their own, or their
// organisation's when it shares its tickets), so similar tickets never
// show one customer another's; the ITSM portal's tickets are the
// company's own, and its agents compare them all.
func (e *Engine) comparable(t, other *models.Ticket) bool {
	if other.Portal != t.Portal {
		return false
	}
	if t.Portal == models.PortalITSM {
		return true
	}
	return t.RequesterPrincipal().CanSeeTicket(other, e.orgs.Shares)
}

// privateDepth is how many candidates a similar-ticket search reads when
// the ticket's organisation does not share its tickets: most of them are
// then other people's and left out. (The vector index, and the full-text
// index until the in-memory ticket search is loaded, cannot tell one
// requester's tickets from another's.)
const privateDepth = 100

// openStatus reports whether a ticket status means work is still to do.
func openStatus(s string) bool {
	switch s {
	case "resolved", "closed", "cancelled", "canceled":
		return false
	}
	return true
}

// WarmTickets reads every ticket once, in the background at start, into
// the in-memory ticket search that similar tickets come from (until it is
// loaded they come from the full-text index, tens of times slower at
// scale) and the tickets' timeline that topic gaps read. Writes made
// meanwhile are kept: a ticket read from the store never replaces them.
func (e *Engine) WarmTickets(ctx context.Context) error {
	start := time.Now()
	err := e.store.Tickets(ctx, func(t *models.Ticket) error {
		e.tickets.Load(t)
		e.timeline.load(t)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load ticket search: %w", err)
	}
	e.tickets.MarkLoaded()
	e.timeline.markBuilt()
	e.log.Info("ticket search loaded", "tickets", e.tickets.Len(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// searchTickets returns the k tickets within scope whose subject and body
// best match text, from the in-memory ticket search once it is loaded,
// from the full-text index before, within loadingSearchBudget
// (ErrSimilarTicketsPending past it). requester, when set, keeps only that
// person's tickets in the in-memory search, which leaves the others out
// as it scores; the full-text index cannot, and its k hits are sifted by
// the caller.
func (e *Engine) searchTickets(ctx context.Context, text string, k int, scope models.TicketScope, requester string) ([]models.TicketHit, error) {
	if e.tickets.Loaded() {
		return e.tickets.Search(text, k, ticketindex.Scope{Portal: scope.Portal, Org: scope.Org, Requester: requester}), nil
	}
	budget, cancel := context.WithTimeout(ctx, loadingSearchBudget)
	defer cancel()
	hits, err := e.text.SearchTickets(budget, text, k, scope)
	if err != nil && ctx.Err() == nil && errors.Is(budget.Err(), context.DeadlineExceeded) {
		return nil, ErrSimilarTicketsPending
	}
	return hits, err
}

// SimilarTickets returns up to limit earlier tickets most like t, within
// t's portal (and organisation, for customer tickets), with their
// resolutions; open ones close enough to be the same incident are flagged
// as duplicates. t itself, if indexed, is left out, and so is every ticket
// who may not see. While the in-memory ticket search loads, a full-text
// search slower than loadingSearchBudget gives ErrSimilarTicketsPending.
func (e *Engine) SimilarTickets(ctx context.Context, who models.Principal, t *models.Ticket, limit int) ([]models.SimilarTicket, error) {
	limit, err := checkLimit(limit, 5, MaxSimilarTickets)
	if err != nil {
		return nil, err
	}
	scope := ticketScope(t)
	depth := limit + 1 // t itself may be among the hits
	var requester string
	if t.Portal == models.PortalCustomer && !e.orgs.Shares(t.Portal, t.Org) {
		// Only the requester's own tickets are comparable (see comparable).
		requester, depth = t.Requester, privateDepth
		if requester == "" {
			return []models.SimilarTicket{}, nil // nobody's: none is
		}
	}
	text := t.Subject + "\n" + models.FirstWords(t.Body, textQueryWords)
	textHits, err := e.searchTickets(ctx, text, depth, scope, requester)
	if err != nil {
		return nil, err
	}
	var textRanks, vector []ranked
	for _, h := range textHits {
		textRanks = append(textRanks, ranked{h.ID, h.Score})
	}
	mode := models.RetrievalText
	if e.vectors != nil {
		mode = models.RetrievalHybrid
		vector, err = e.vectorRanks(ctx, t.EmbeddingText(), func(vec []float32) ([]models.VectorHit, error) {
			return e.vectors.SearchTickets(ctx, vec, depth, scope)
		})
		if err != nil {
			return nil, err
		}
	}
	out := []models.SimilarTicket{}
	side := e.pairs.Side(t) // read once, paired with each candidate
	for _, f := range fuseRanks(textRanks, vector, mode, models.DefaultVectorWeight) {
		if f.id == t.ID {
			continue
		}
		other, err := e.store.Ticket(ctx, f.id)
		if err != nil || !e.comparable(t, other) || !who.CanSeeTicket(other, e.orgs.Shares) {
			continue // deleted meanwhile, or another's
		}
		pair := duplicate.Pair(side, e.pairs.Side(other), f.expl.VectorScore)
		out = append(out, models.SimilarTicket{
			ID: other.ID, Subject: other.Subject, Status: other.Status, Category: other.Category,
			Resolution: other.Resolution, CreatedAt: other.CreatedAt, Score: f.score,
			DuplicateProbability: round(e.duplicates.Probability(pair)),
			Duplicate:            e.duplicates.Duplicate(pair) && openStatus(other.Status),
		})
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Spike is a burst of near-duplicate tickets: an incident forming.
type Spike struct {
	Size     int       `json:"size"`
	FirstAt  time.Time `json:"first_at"`
	LastAt   time.Time `json:"last_at"`
	Subject  string    `json:"subject"`  // the first ticket's subject
	Category string    `json:"category"` // the most common category, if labelled
	Tickets  []string  `json:"tickets"`  // ids, oldest first
}

// Spikes finds bursts of at least MinSpikeSize near-duplicate tickets of
// one portal created since the given time: tickets whose embeddings are
// similar and which were filed within spikeWindow of each other are linked,
// and each linked group is a spike. Largest first. It needs vectors, and a
// principal who works the portal's tickets.
func (e *Engine) Spikes(ctx context.Context, who models.Principal, portal models.Portal, since time.Time) ([]Spike, error) {
	if !who.CanWorkTickets(portal) {
		return nil, models.Forbidden("portal", "this key may not read the tickets of the %s portal", portal)
	}
	if e.vectors == nil {
		return nil, models.Invalid("", "spike detection needs vectors, and this server has no embedder configured")
	}
	var recent []*models.Ticket
	err := e.store.Tickets(ctx, func(t *models.Ticket) error {
		if t.Portal == portal && !t.CreatedAt.Before(since) {
			recent = append(recent, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(recent, func(a, b *models.Ticket) int { return a.CreatedAt.Compare(b.CreatedAt) })
	index := map[string]int{}
	for i, t := range recent {
		index[t.ID] = i
	}
	vecs := make([][]float32, len(recent))
	err = e.store.Vectors(ctx, models.KindTicket, e.embedder.Model(), func(id string, v []float32) error {
		if i, ok := index[id]; ok {
			vecs[i] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	groups := linkNearDuplicates(recent, vecs)
	spikes := []Spike{}
	for _, g := range groups {
		if len(g) < MinSpikeSize {
			continue
		}
		s := Spike{Size: len(g), FirstAt: recent[g[0]].CreatedAt, LastAt: recent[g[len(g)-1]].CreatedAt, Subject: recent[g[0]].Subject}
		counts := map[string]int{}
		for _, i := range g {
			s.Tickets = append(s.Tickets, recent[i].ID)
			if c := recent[i].Category; c != "" {
				counts[c]++
			}
		}
		for c, n := range counts {
			if n > counts[s.Category] || n == counts[s.Category] && c < s.Category {
				s.Category = c
			}
		}
		spikes = append(spikes, s)
	}
	slices.SortStableFunc(spikes, func(a, b Spike) int { return cmp.Compare(b.Size, a.Size) })
	return spikes, nil
}

// linkNearDuplicates groups tickets (sorted by creation time) that are
// transitively linked by similar vectors within spikeWindow, returning
// each group's indexes in time order.
func linkNearDuplicates(tickets []*models.Ticket, vecs [][]float32) [][]int {
	parent := make([]int, len(tickets))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range tickets {
		if vecs[i] == nil {
			continue
		}
		for j := i + 1; j < len(tickets) && tickets[j].CreatedAt.Sub(tickets[i].CreatedAt) <= spikeWindow; j++ {
			if vecs[j] != nil && dot(vecs[i], vecs[j]) >= spikeSimilarity {
				parent[find(j)] = find(i)
			}
		}
	}
	byRoot := map[int][]int{}
	var roots []int
	for i := range tickets {
		r := find(i)
		if byRoot[r] == nil {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], i)
	}
	out := make([][]int, len(roots))
	for i, r := range roots {
		out[i] = byRoot[r]
	}
	return out
}

// dot is the cosine similarity of two normalised vectors.
func dot(a, b []float32) float64 {
	var s float32
	for i := range min(len(a), len(b)) {
		s += a[i] * b[i]
	}
	return float64(s)
}
