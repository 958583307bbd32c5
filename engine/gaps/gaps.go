// Package gaps groups what self-service failed on into topics by meaning,
// for analysts deciding what to write next: searches that found nothing,
// queries after which a ticket was filed anyway, and tickets no article
// came close to. Each signal is a short text (a query, or a ticket's
// subject and opening) with a weight (how many searches or tickets it
// stands for); signals whose vectors are close (cosine at least the
// grouping threshold to a topic's centroid) form one topic, heaviest
// first. A topic is labelled by its key words: the stems most of its
// signals hold, weighed by how rare they are among all signals, each shown
// as the word most often written for it.
//
// Vectors come from the caller: sentence embeddings when the server has
// an embedder, or the package's own TF-IDF vectors of stems (Lexical)
// when it has none. Grouping is greedy and deterministic: signals are
// taken heaviest first, and each joins the closest topic or starts one.
package gaps

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/siftdesk/sift/models"
)

// Signal is one thing self-service failed on.
type Signal struct {
	Text string
	// Kind is KindSearch, KindTicketAnyway or KindTicket.
	Kind string
	// Weight is how many searches or tickets the signal stands for.
	Weight int
	// Previous is set for a signal of the period before the one reported,
	// counted for trends only.
	Previous bool
	// TicketID names a ticket signal's ticket.
	TicketID string
}

// Kinds of signal.
const (
	KindSearch       = "search"        // searches with no confident match
	KindTicketAnyway = "ticket_anyway" // a query after which the session filed a ticket
	KindTicket       = "ticket"        // a ticket no article came close to
)

// Topic is a group of signals about one thing.
type Topic struct {
	// Label is the topic's key words, most telling first.
	Label string `json:"label"`
	// Size is the weight of the topic's signals in the period: Searches
	// that found nothing and Tickets filed (after a query, or with no
	// close article); Previous the weight in the period before.
	Size     int `json:"size"`
	Searches int `json:"searches"`
	Tickets  int `json:"tickets"`
	Previous int `json:"previous"`
	// Samples are up to maxSamples of its queries (or ticket subjects),
	// heaviest first.
	Samples []string `json:"samples"`
	// TicketIDs are its tickets in the period.
	TicketIDs []string `json:"ticket_ids,omitempty"`
	// centroid is the sum of its signals' unit vectors.
	centroid []float32
	weights  map[string]float64 // stem -> weight of the query signals holding it, for the label
	idf      map[string]float64 // stem -> its inverse frequency among all signals
	surface  map[string]map[string]int
	// ticketWeights and ticketSurface are weights and surface of the
	// ticket signals: they label a topic no query names.
	ticketWeights map[string]float64
	ticketSurface map[string]map[string]int
	ticketCount   int // weight of its KindTicket signals
}

// maxSamples bounds a topic's samples.
const maxSamples = 5

// labelWords is how many key words a label has.
const labelWords = 3

// Group groups signals into topics, heaviest first. vectors holds one
// vector per signal, in order (any length; nil vectors start topics of
// their own); analyze splits a text into (stem, word) pairs for labels.
// Topics of the previous period alone are left out.
func Group(signals []Signal, vectors [][]float32, threshold float64, analyze func(string) [][2]string) []Topic {
	order := make([]int, len(signals))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(signals[b].Weight, signals[a].Weight) })
	terms, df := stems(signals, analyze)
	var topics []*Topic
	for _, i := range order {
		s, v := signals[i], unit(vectors[i])
		best, bestCos := -1, threshold
		for k, t := range topics {
			if c := models.Cosine(v, t.centroid); c >= bestCos {
				best, bestCos = k, c
			}
		}
		if best < 0 {
			topics = append(topics, &Topic{centroid: make([]float32, len(v)), weights: map[string]float64{}, idf: map[string]float64{},
				surface: map[string]map[string]int{}, ticketWeights: map[string]float64{}, ticketSurface: map[string]map[string]int{}})
			best = len(topics) - 1
		}
		topics[best].add(s, v, terms[i], df, len(signals))
	}
	out := make([]Topic, 0, len(topics))
	for _, t := range topics {
		if t.Size == 0 {
			continue
		}
		t.Label = t.label()
		t.centroid, t.weights, t.idf, t.surface, t.ticketWeights, t.ticketSurface = nil, nil, nil, nil, nil, nil
		out = append(out, *t)
	}
	slices.SortStableFunc(out, func(a, b Topic) int { return cmp.Compare(b.Size, a.Size) })
	return out
}

// add puts a signal into the topic.
func (t *Topic) add(s Signal, v []float32, terms [][2]string, df map[string]int, n int) {
	for j, x := range v {
		t.centroid[j] += x
	}
	if s.Previous {
		t.Previous += s.Weight
		return
	}
	t.Size += s.Weight
	switch s.Kind {
	case KindTicket, KindTicketAnyway:
		t.Tickets += s.Weight
		if s.Kind == KindTicket {
			t.ticketCount += s.Weight
		}
		if s.TicketID != "" {
			t.TicketIDs = append(t.TicketIDs, s.TicketID)
		}
	default:
		t.Searches += s.Weight
	}
	// A ticket's text is private: it groups, and labels only a topic no
	// query names, but is never a sample.
	weights, surface := t.weights, t.surface
	if s.Kind == KindTicket {
		weights, surface = t.ticketWeights, t.ticketSurface
	} else if len(t.Samples) < maxSamples && !slices.Contains(t.Samples, s.Text) {
		t.Samples = append(t.Samples, s.Text)
	}
	seen := map[string]bool{}
	for _, term := range terms {
		stem, word := term[0], term[1]
		if surface[stem] == nil {
			surface[stem] = map[string]int{}
		}
		surface[stem][word] += s.Weight
		if !seen[stem] {
			seen[stem] = true
			weights[stem] += float64(s.Weight)
			t.idf[stem] = math.Log(1 + float64(n)/float64(df[stem]))
		}
	}
}

// label returns the topic's key words, each as the word most often
// written for it: the stems most of its signals hold (the square of that
// share, so that the topic's own words beat a rare word of one signal),
// weighed by how rare they are among all signals.
func (t *Topic) label() string {
	weights, surface, size := t.weights, t.surface, t.Size-t.ticketCount
	if len(weights) == 0 {
		weights, surface, size = t.ticketWeights, t.ticketSurface, t.ticketCount
	}
	stems := make([]string, 0, len(weights))
	score := map[string]float64{}
	for s, w := range weights {
		stems = append(stems, s)
		share := w / float64(max(size, 1))
		score[s] = share * share * t.idf[s]
	}
	slices.SortFunc(stems, func(a, b string) int {
		if c := cmp.Compare(score[b], score[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var words []string
	for _, s := range stems[:min(labelWords, len(stems))] {
		best, n := "", -1
		for w, c := range surface[s] {
			if c > n || c == n && w < best {
				best, n = w, c
			}
		}
		words = append(words, best)
	}
	return strings.Join(words, " ")
}

// unit returns v scaled to unit length (a copy), or v when it is zero.
func unit(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	k := float32(1 / math.Sqrt(sum))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * k
	}
	return out
}

// Lexical returns TF-IDF vectors of the signals' stems, over a vocabulary
// of the stems they hold (hashed into lexicalDims columns when there are
// more): what groups signals when there is no embedder.
func Lexical(signals []Signal, analyze func(string) [][2]string) [][]float32 {
	terms, df := stems(signals, analyze)
	index := map[string]int{}
	for _, ts := range terms {
		for _, t := range ts {
			if _, ok := index[t[0]]; !ok {
				index[t[0]] = len(index)
			}
		}
	}
	// Past lexicalDims stems, each is hashed into one of lexicalDims
	// columns: grouping compares every signal with every topic, so the
	// length of a vector bounds its cost.
	dims := min(len(index), lexicalDims)
	out := make([][]float32, len(signals))
	for i := range signals {
		v := make([]float32, dims)
		for _, t := range terms[i] {
			v[index[t[0]]%dims] += float32(math.Log(1 + float64(len(signals))/float64(df[t[0]])))
		}
		out[i] = v
	}
	return out
}

// lexicalDims bounds the length of Lexical's vectors.
const lexicalDims = 256

// stems analyzes every signal's text, and counts in how many signals each
// stem occurs.
func stems(signals []Signal, analyze func(string) [][2]string) (terms [][][2]string, df map[string]int) {
	df = map[string]int{}
	terms = make([][][2]string, len(signals))
	for i, s := range signals {
		terms[i] = analyze(s.Text)
		seen := map[string]bool{}
		for _, t := range terms[i] {
			if !seen[t[0]] {
				seen[t[0]] = true
				df[t[0]]++
			}
		}
	}
	return terms, df
}
