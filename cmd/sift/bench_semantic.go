package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/use"
	"github.com/siftdesk/sift/models"
)

// The semantic and triage phases of sift bench, and the synthetic tickets
// both draw on.

// Targets of the semantic and triage phases, from the issues.
const (
	targetEmbedRate  = 300.0                 // sentences/s, built-in embedder, GOMAXPROCS as is
	targetDeflectP99 = 20 * time.Millisecond // deflection, hybrid, query embedding included
	targetTriageP99  = 30 * time.Millisecond // triage in process, at 100,000 tickets
	targetTriageRate = 150.0                 // triage requests/s over HTTP, 8 clients, 2 cores
)

// Settings of the semantic and triage phases.
const (
	benchEmbedBatch = 64 // texts per Embed call, as the indexer sends them
	semanticWarmUp  = 30 // deflection drafts run untimed before the timed ones
	triageWarmUp    = 50 // triage drafts run untimed before the timed ones
	// triageJudged is how many drafts' similar tickets are found both
	// through the full-text index and through the in-memory ticket search.
	triageJudged = 200

	// Ticket-like sentences of the throughput step, and subjects of the
	// deflection drafts, have this many words.
	sentenceMinWords, sentenceMaxWords = 6, 15
	draftMinWords, draftMaxWords       = 4, 8

	ticketDays     = 180  // synthetic tickets are spread over this many days
	benchEpochYear = 2026 // ... before 1 January of this year
	orgsPerTickets = 250  // about one customer organisation per this many tickets
	maxErrorBody   = 200  // bytes of an error answer kept in the report

	// Streams of the random source, apart from the corpus's.
	ticketStream   = uint64(0x71c4_e75e)
	sentenceStream = uint64(0x5e47_e9ce)
	draftStream    = uint64(0xdef1_ec75)
)

// semanticReport is what the semantic phase measured. Latencies are in
// microseconds.
type semanticReport struct {
	Model       string  `json:"model"`
	Dimensions  int     `json:"dimensions"`
	LoadSeconds float64 `json:"load_seconds"` // parsing the embedded weights, the first time in the process

	Throughput struct {
		Sentences          int     `json:"sentences"`
		MeanWords          float64 `json:"mean_words"`
		MeanTokens         float64 `json:"mean_tokens"`
		Batch              int     `json:"batch"`
		GOMAXPROCS         int     `json:"gomaxprocs"`
		Seconds            float64 `json:"seconds"`
		SentencesPerSecond float64 `json:"sentences_per_second"`
	} `json:"throughput"`

	Index struct {
		Articles          int     `json:"articles"`
		Seconds           float64 `json:"seconds"`
		EmbedSeconds      float64 `json:"embed_seconds"` // of Seconds, spent in the embedder
		ArticlesPerSecond float64 `json:"articles_per_second"`
		EngineLoadSeconds float64 `json:"engine_load_seconds"`
	} `json:"index"`

	// Deflect times Deflect in three retrieval modes (hybrid and vector
	// embed the query), and the query embedding and the vector search
	// alone, over the same drafts.
	Deflect struct {
		Drafts int          `json:"drafts"`
		WarmUp int          `json:"warm_up"`
		Hybrid latencyStats `json:"hybrid"`
		Vector latencyStats `json:"vector"`
		Text   latencyStats `json:"text"`
		Embed  latencyStats `json:"query_embedding"`
		Search latencyStats `json:"vector_search"`
	} `json:"deflect"`
}

// triageReport is what the triage phase measured.
type triageReport struct {
	Tickets           int     `json:"tickets"`
	TicketsBytes      int64   `json:"tickets_bytes"`
	Embedder          string  `json:"embedder"`
	IndexSeconds      float64 `json:"index_seconds"`
	TicketsPerSecond  float64 `json:"tickets_per_second"`
	EngineLoadSeconds float64 `json:"engine_load_seconds"`
	// TicketSearchSeconds is how long the in-memory ticket search took to
	// load (in the background of sift serve).
	TicketSearchSeconds float64 `json:"ticket_search_seconds"`
	// Similar is how the in-memory ticket search's similar tickets compare
	// with the full-text index's.
	Similar similarComparison `json:"similar"`
	// Articles is how the suggested articles of long drafts compare with
	// those of an index that reads every word of them.
	Articles     articlesComparison `json:"articles"`
	TrainTickets int                `json:"train_tickets"`
	TrainSeconds float64            `json:"train_seconds"`
	Classifiers  []triageClassifier `json:"classifiers"`
	WarmUp       int                `json:"warm_up"`
	InProcess    latencyStats       `json:"in_process"`
	WithSimilar  int                `json:"with_similar_tickets"` // timed calls that found similar tickets
	WithArticles int                `json:"with_articles"`        // timed calls that suggested articles
	HTTP         httpLoad           `json:"http"`
}

// similarComparison compares the similar tickets of the same drafts found
// through the full-text index (bleve, before the in-memory ticket search
// is loaded) and through the in-memory ticket search.
type similarComparison struct {
	Drafts int `json:"drafts"`
	// Overlap5 is the mean share of the first five the two have in common.
	Overlap5 float64 `json:"overlap_at_5"`
	// SameCategory is, for each, the share of the similar tickets found
	// whose category is the draft's (the judgment the corpus gives).
	SameCategoryFullText float64 `json:"same_category_full_text"`
	SameCategoryInMemory float64 `json:"same_category_in_memory"`
	// FullTextPending is how many full-text searches did not answer within
	// the engine's budget for a server still loading its ticket search
	// (engine.ErrSimilarTicketsPending): counted as finding none.
	FullTextPending int `json:"full_text_pending"`
	// FullTextP50 and InMemoryP50 are the median times of one
	// similar-tickets search.
	FullTextP50 float64 `json:"full_text_p50_us"`
	InMemoryP50 float64 `json:"in_memory_p50_us"`
}

// articlesComparison compares the articles deflection suggests for the
// same drafts through the article index as the engine runs it (a long
// draft's common words only add to the articles its rarer words find)
// and through one that reads every word, as before that pruning.
type articlesComparison struct {
	Drafts int `json:"drafts"`
	// Overlap5 is the mean share of the first five the two have in common.
	Overlap5 float64 `json:"overlap_at_5"`
	// SameFirst is the share of drafts whose first article is the same.
	SameFirst float64 `json:"same_first"`
	// SameProductPruned and SameProductEveryWord are, for each, the share
	// of the articles suggested to drafts naming their product that are
	// about that product (the judgment the corpus gives).
	SameProductPruned    float64 `json:"same_product_pruned"`
	SameProductEveryWord float64 `json:"same_product_every_word"`
	// WithArticlesPruned and WithArticlesEveryWord are the shares of drafts
	// with an article suggested.
	WithArticlesPruned    float64 `json:"with_articles_pruned"`
	WithArticlesEveryWord float64 `json:"with_articles_every_word"`
	// PrunedP50 and EveryWordP50 are the median times of one deflection.
	PrunedP50    float64 `json:"pruned_p50_us"`
	EveryWordP50 float64 `json:"every_word_p50_us"`
}

// triageClassifier is one trained field.
type triageClassifier struct {
	Field           string  `json:"field"`
	Labels          int     `json:"labels"`
	Examples        int     `json:"examples"`
	HeldOutAccuracy float64 `json:"held_out_accuracy"`
	HeldOutMacroF1  float64 `json:"held_out_macro_f1"`
	Seconds         float64 `json:"seconds"`
}

// semantic measures the built-in embedder's throughput on short ticket-like
// sentences, then indexes the first --semantic-articles articles of the
// corpus with it and times deflection.
func (b *bench) semantic(ctx context.Context, corpus string) error {
	s := &semanticReport{}
	start := time.Now()
	emb, err := use.Load()
	if err != nil {
		return err
	}
	s.LoadSeconds = time.Since(start).Seconds()
	s.Model, s.Dimensions = emb.Model(), emb.Dimensions()
	b.progress("semantic: embedder %s ready in %s", emb.Model(), fmtDuration(time.Since(start)))
	if err := b.embedThroughput(ctx, emb, s); err != nil {
		return err
	}
	if err := b.semanticDeflect(ctx, corpus, emb, s); err != nil {
		return err
	}
	b.rep.Semantic = s
	return nil
}

// embedThroughput embeds --semantic-sentences seeded ticket-like sentences
// in batches of benchEmbedBatch, after one untimed batch.
func (b *bench) embedThroughput(ctx context.Context, emb *use.Encoder, s *semanticReport) error {
	g := newTicketGen(b.f.seed, sentenceStream, 1000)
	sentences := make([]string, b.f.semanticSentences)
	words, tokens := 0, 0
	for i := range sentences {
		sentences[i] = g.sentence(sentenceMinWords, sentenceMaxWords)
		words += len(strings.Fields(sentences[i]))
		tokens += len(emb.Tokens(sentences[i]))
	}
	if _, err := emb.Embed(ctx, sentences[:min(benchEmbedBatch, len(sentences))]); err != nil {
		return err
	}
	var done atomic.Int64
	stop := every(benchProgressEvery, func(elapsed time.Duration) {
		n := int(done.Load())
		b.progress("embedding: %s/%s sentences, %s/s", humanInt(n), humanInt(len(sentences)), humanInt(rate(n, elapsed)))
	})
	start := time.Now()
	for i := 0; i < len(sentences); i += benchEmbedBatch {
		batch := sentences[i:min(i+benchEmbedBatch, len(sentences))]
		if _, err := emb.Embed(ctx, batch); err != nil {
			stop()
			return err
		}
		done.Add(int64(len(batch)))
	}
	elapsed := time.Since(start)
	stop()
	tp := &s.Throughput
	tp.Sentences = len(sentences)
	tp.MeanWords = float64(words) / float64(len(sentences))
	tp.MeanTokens = float64(tokens) / float64(len(sentences))
	tp.Batch, tp.GOMAXPROCS = benchEmbedBatch, runtime.GOMAXPROCS(0)
	tp.Seconds = elapsed.Seconds()
	tp.SentencesPerSecond = float64(len(sentences)) / elapsed.Seconds()
	return nil
}

// semanticDeflect indexes the first --semantic-articles articles of the
// corpus into a data directory of their own with the embedder, as sift
// index --embedder use does, and times deflection over them.
func (b *bench) semanticDeflect(ctx context.Context, corpus string, emb *use.Encoder, s *semanticReport) error {
	dir := filepath.Join(b.f.data, "semantic")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	subset := filepath.Join(dir, "articles.jsonl")
	n, err := copyLines(corpus, subset, b.f.semanticArticles)
	if err != nil {
		return err
	}
	d, err := openDataDir(dir, 0, b.log)
	if err != nil {
		return err
	}
	defer d.Close()
	timed := &timedEmbedder{embedder: emb}
	if err := d.useVectors(ctx, timed, b.log); err != nil {
		return err
	}
	if err := d.syncVectors(ctx, false, b.log, nil); err != nil {
		return err
	}
	b.progress("semantic: indexing %s articles with %s", humanInt(n), emb.Model())
	elapsed, err := b.indexSource(ctx, d, subset, models.KindArticle, n, func(elapsed time.Duration, _ int) string {
		e := int(timed.texts.Load())
		return fmt.Sprintf("semantic indexing: %s/%s articles embedded, %s/s", humanInt(e), humanInt(n), humanInt(rate(e, elapsed)))
	})
	if err != nil {
		return err
	}
	ix := &s.Index
	ix.Articles = n
	ix.Seconds = elapsed.Seconds()
	ix.EmbedSeconds = time.Duration(timed.nanos.Load()).Seconds()
	ix.ArticlesPerSecond = float64(n) / elapsed.Seconds()

	start := time.Now()
	eng, err := engine.New(ctx, engine.Config{}, d.store, d.text, d.indexer, b.log)
	if err != nil {
		return err
	}
	eng.UseVectors(emb, d.vectors)
	ix.EngineLoadSeconds = time.Since(start).Seconds()

	g := newTicketGen(b.f.seed, draftStream, 1000)
	drafts := make([]models.DeflectRequest, semanticWarmUp+b.f.semanticQueries)
	texts := make([]string, len(drafts))
	for i := range drafts {
		drafts[i] = g.deflectDraft()
		texts[i] = drafts[i].Subject + ".\n" + drafts[i].Body // the text Deflect embeds
	}
	vecs := make([][]float32, len(drafts))
	de := &s.Deflect
	de.Drafts, de.WarmUp = b.f.semanticQueries, semanticWarmUp
	if de.Embed, err = b.timeEach(ctx, "query embedding", semanticWarmUp, len(drafts), func(ctx context.Context, i int) (bool, error) {
		v, err := emb.Embed(ctx, texts[i:i+1])
		if err == nil {
			vecs[i] = v[0]
		}
		return false, err
	}); err != nil {
		return err
	}
	if de.Search, err = b.timeEach(ctx, "vector search", semanticWarmUp, len(drafts), func(ctx context.Context, i int) (bool, error) {
		hits, err := d.vectors.SearchArticles(ctx, vecs[i], models.DefaultDeflectLimit, drafts[i].Audience.Filter())
		return len(hits) > 0, err
	}); err != nil {
		return err
	}
	for _, m := range []struct {
		mode string
		out  *latencyStats
	}{{models.RetrievalHybrid, &de.Hybrid}, {models.RetrievalVector, &de.Vector}, {models.RetrievalText, &de.Text}} {
		if *m.out, err = b.timeEach(ctx, "deflect "+m.mode, semanticWarmUp, len(drafts), func(ctx context.Context, i int) (bool, error) {
			req := drafts[i]
			req.Mode = m.mode
			res, err := eng.Deflect(ctx, req)
			return len(res.Articles) > 0, err
		}); err != nil {
			return err
		}
	}
	return nil
}

// triage generates --triage-tickets tickets, indexes them into the data
// directory as sift index --embedder none does, trains the classifiers on
// the first --triage-train of them, and times triage of new drafts in
// process and over HTTP.
func (b *bench) triage(ctx context.Context) error {
	t := &triageReport{Embedder: "none", TrainTickets: b.f.triageTrain, WarmUp: triageWarmUp}
	path := filepath.Join(b.f.data, "tickets.jsonl")
	start := time.Now()
	g := newTicketGen(b.f.seed, ticketStream, b.f.triageTickets)
	train, size, err := writeTickets(path, g, b.f.triageTickets, b.f.triageTrain)
	if err != nil {
		return err
	}
	t.Tickets, t.TicketsBytes = b.f.triageTickets, size
	b.progress("generated %s tickets (%s of JSON Lines) in %s", humanInt(t.Tickets), humanBytes(uint64(size)), fmtDuration(time.Since(start)))

	d, err := openDataDir(b.f.data, 0, b.log)
	if err != nil {
		return err
	}
	defer d.Close()
	elapsed, err := b.indexSource(ctx, d, path, models.KindTicket, t.Tickets, func(elapsed time.Duration, read int) string {
		return fmt.Sprintf("ticket indexing: %s/%s tickets, %s/s", humanInt(read), humanInt(t.Tickets), humanInt(rate(read, elapsed)))
	})
	if err != nil {
		return err
	}
	t.IndexSeconds = elapsed.Seconds()
	t.TicketsPerSecond = float64(t.Tickets) / elapsed.Seconds()

	b.progress("triage: loading the engine")
	start = time.Now()
	eng, err := engine.New(ctx, engine.Config{}, d.store, d.text, d.indexer, b.log)
	if err != nil {
		return err
	}
	t.EngineLoadSeconds = time.Since(start).Seconds()

	start = time.Now()
	byField := map[string]*classify.Model{}
	for _, field := range trainedFields {
		examples := ticketExamples(train, nil, field)
		b.progress("triage: training the %s classifier on %s tickets", field, humanInt(len(examples)))
		t0 := time.Now()
		m, err := classify.Train(ctx, examples, classify.Options{Seed: b.f.seed})
		if err != nil {
			return fmt.Errorf("train %s: %w", field, err)
		}
		man := m.Manifest()
		c := triageClassifier{Field: field, Labels: len(man.Labels), Examples: man.Examples,
			HeldOutAccuracy: man.HeldOut.Accuracy, HeldOutMacroF1: man.HeldOut.MacroF1, Seconds: time.Since(t0).Seconds()}
		t.Classifiers = append(t.Classifiers, c)
		byField[field] = m
		b.progress("triage: %s trained in %s (%s examples/s): %d labels, held-out accuracy %.3f",
			field, fmtDuration(time.Since(t0)), humanInt(rate(len(examples), time.Since(t0))), c.Labels, c.HeldOutAccuracy)
	}
	t.TrainSeconds = time.Since(start).Seconds()
	eng.UseClassifiers(byField)

	// New tickets, drawn after the indexed ones, as agents would open them.
	drafts := make([]models.Ticket, triageWarmUp+b.f.triageCalls)
	categories, products := make([]string, len(drafts)), make([]string, len(drafts))
	for i := range drafts {
		drafts[i], categories[i], products[i] = g.triageDraft()
	}
	judged := min(triageJudged, len(drafts))
	b.progress("triage: similar tickets of %d drafts through the full-text index", judged)
	fullText, err := similarSample(ctx, eng, drafts[:judged], categories)
	if err != nil {
		return err
	}
	b.progress("triage: loading the in-memory ticket search")
	start = time.Now()
	if err := eng.WarmTickets(ctx); err != nil {
		return err
	}
	t.TicketSearchSeconds = time.Since(start).Seconds()
	inMemory, err := similarSample(ctx, eng, drafts[:judged], categories)
	if err != nil {
		return err
	}
	t.Similar = compareSimilar(fullText, inMemory)
	if t.Articles, err = b.compareArticles(ctx, eng, d, drafts[:judged], products); err != nil {
		return err
	}
	if t.InProcess, err = b.timeEach(ctx, "triage", triageWarmUp, len(drafts), func(ctx context.Context, i int) (bool, error) {
		tk := drafts[i]
		res, err := eng.TriageTicket(ctx, benchPrincipal, &tk, engine.TriageOptions{})
		if err == nil && i >= triageWarmUp {
			if len(res.Similar) > 0 {
				t.WithSimilar++
			}
			if len(res.Articles) > 0 {
				t.WithArticles++
			}
		}
		return len(res.Similar) > 0 || len(res.Articles) > 0, err
	}); err != nil {
		return err
	}

	bodies := make([][]byte, len(drafts))
	for i, tk := range drafts {
		if bodies[i], err = json.Marshal(inlineTicket{Portal: tk.Portal, Org: tk.Org, Requester: tk.Requester, Subject: tk.Subject, Body: tk.Body}); err != nil {
			return err
		}
	}
	addr, stop, err := b.serveAPI(eng)
	if err != nil {
		return err
	}
	defer stop()
	u := "http://" + addr + "/v1/triage"
	b.progress("triage HTTP: %d clients on %s for %s", b.f.triageConcurrency, addr, b.f.triageDuration)
	if t.HTTP, err = b.drive(ctx, "triage HTTP", b.f.triageConcurrency, b.f.triageDuration, func(ctx context.Context, client *http.Client, i int) error {
		return b.post(ctx, client, u, bodies[i%len(bodies)])
	}); err != nil {
		return err
	}
	b.rep.Triage = t
	return nil
}

// similarFound are the similar tickets found for a sample of drafts.
type similarFound struct {
	ids          [][]string
	sameCategory float64 // share of those found of the draft's category
	pending      int     // searches past the engine's loading budget
	p50          float64 // microseconds
}

// similarSample finds the five tickets most similar to each draft, whose
// categories are given, and times each search.
func similarSample(ctx context.Context, eng *engine.Engine, drafts []models.Ticket, categories []string) (similarFound, error) {
	var out similarFound
	took := make([]time.Duration, len(drafts))
	found, same := 0, 0
	for i := range drafts {
		tk := drafts[i]
		start := time.Now()
		similar, err := eng.SimilarTickets(ctx, benchPrincipal, &tk, 5)
		took[i] = time.Since(start)
		if errors.Is(err, engine.ErrSimilarTicketsPending) {
			out.pending++
			err = nil
		}
		if err != nil {
			return out, err
		}
		ids := make([]string, len(similar))
		for j, s := range similar {
			ids[j] = s.ID
			if s.Category == categories[i] {
				same++
			}
		}
		found += len(similar)
		out.ids = append(out.ids, ids)
	}
	out.p50 = summarise(took).P50
	out.sameCategory = float64(same) / float64(max(found, 1))
	return out, nil
}

// compareSimilar compares the similar tickets of the same drafts found two
// ways.
func compareSimilar(fullText, inMemory similarFound) similarComparison {
	c := similarComparison{Drafts: len(fullText.ids), FullTextPending: fullText.pending,
		SameCategoryFullText: fullText.sameCategory, SameCategoryInMemory: inMemory.sameCategory,
		FullTextP50: fullText.p50, InMemoryP50: inMemory.p50}
	for i, before := range fullText.ids {
		c.Overlap5 += overlap(before, inMemory.ids[i])
	}
	c.Overlap5 /= float64(max(c.Drafts, 1))
	return c
}

// compareArticles finds the first five articles for each draft, about the
// product given, as triage's deflection does for an admin, through eng
// and through an engine over the same data whose article index reads every
// word.
func (b *bench) compareArticles(ctx context.Context, eng *engine.Engine, d *dataDir, drafts []models.Ticket, products []string) (articlesComparison, error) {
	b.progress("triage: suggested articles of %d drafts, then again through an index that reads every word", len(drafts))
	everyWord, err := engine.New(ctx, engine.Config{ReadEveryWord: true}, d.store, d.text, d.indexer, b.log)
	if err != nil {
		return articlesComparison{}, err
	}
	c := articlesComparison{Drafts: len(drafts)}
	if len(drafts) == 0 {
		return c, nil
	}
	pruned, err := articleSample(ctx, eng, drafts, products)
	if err != nil {
		return c, err
	}
	all, err := articleSample(ctx, everyWord, drafts, products)
	if err != nil {
		return c, err
	}
	c.WithArticlesPruned, c.WithArticlesEveryWord = pruned.withArticles, all.withArticles
	c.SameProductPruned, c.SameProductEveryWord = pruned.sameProduct, all.sameProduct
	c.PrunedP50, c.EveryWordP50 = pruned.p50, all.p50
	for i := range drafts {
		c.Overlap5 += overlap(all.ids[i], pruned.ids[i])
		if len(all.ids[i]) > 0 && len(pruned.ids[i]) > 0 && all.ids[i][0] == pruned.ids[i][0] {
			c.SameFirst++
		}
	}
	c.Overlap5 /= float64(len(drafts))
	c.SameFirst /= float64(len(drafts))
	return c, nil
}

// articlesFound are the articles deflection suggests for a sample of
// drafts.
type articlesFound struct {
	ids          [][]string
	withArticles float64 // share of the drafts with an article
	sameProduct  float64 // share of the articles of drafts naming a product that are about it
	p50          float64 // microseconds
}

// articleSample finds the first five articles for each draft, about the
// product given ("" when the draft names none), as triage's deflection
// does for an admin, and times each deflection.
func articleSample(ctx context.Context, eng *engine.Engine, drafts []models.Ticket, products []string) (articlesFound, error) {
	var out articlesFound
	took := make([]time.Duration, len(drafts))
	judged, same, with := 0, 0, 0
	for i, tk := range drafts {
		start := time.Now()
		res, err := eng.Deflect(ctx, models.DeflectRequest{Subject: tk.Subject, Body: tk.Body, Audience: benchPrincipal.Audience(tk.Portal), Limit: 5})
		took[i] = time.Since(start)
		if err != nil {
			return out, err
		}
		ids := make([]string, len(res.Articles))
		for j, a := range res.Articles {
			ids[j] = a.ID
			if products[i] != "" && a.Product == products[i] {
				same++
			}
		}
		if products[i] != "" {
			judged += len(ids)
		}
		if len(ids) > 0 {
			with++
		}
		out.ids = append(out.ids, ids)
	}
	out.withArticles = float64(with) / float64(len(drafts))
	out.sameProduct = float64(same) / float64(max(judged, 1))
	out.p50 = summarise(took).P50
	return out, nil
}

// overlap is the share of the longer of two result lists the two have in
// common.
func overlap(a, b []string) float64 {
	shared := 0
	for _, id := range b {
		if slices.Contains(a, id) {
			shared++
		}
	}
	return float64(shared) / float64(max(len(a), len(b), 1))
}

// inlineTicket is the body of POST /v1/triage for a ticket not indexed.
type inlineTicket struct {
	Portal    models.Portal `json:"portal"`
	Org       string        `json:"org,omitempty"`
	Requester string        `json:"requester,omitempty"`
	Subject   string        `json:"subject"`
	Body      string        `json:"body"`
}

// indexSource runs d's indexer over one source, as sift index does
// (IndexSources after the embedder, if any, is in place), printing status
// every second. Every record of the source must be new and valid.
func (b *bench) indexSource(ctx context.Context, d *dataDir, path string, kind models.Kind, total int, status func(elapsed time.Duration, read int) string) (time.Duration, error) {
	var read atomic.Int64
	stop := every(benchProgressEvery, func(elapsed time.Duration) {
		b.progress("%s", status(elapsed, int(read.Load())))
	})
	start := time.Now()
	sum, err := d.indexer.IndexSources(ctx, []string{path}, indexer.Options{
		Kind:     kind,
		Progress: func(p indexer.Progress) { read.Store(int64(p.Read)) },
	})
	elapsed := time.Since(start)
	stop()
	if err != nil {
		return 0, fmt.Errorf("index %s: %w", path, err)
	}
	if len(sum.Problems) > 0 {
		p := sum.Problems[0]
		return 0, fmt.Errorf("index %s: %d records skipped, the first at %s: %v", path, sum.Skipped, p.Location(), p.Err)
	}
	if sum.Added != total {
		return 0, fmt.Errorf("index %s: %d records added, want %d", path, sum.Added, total)
	}
	return elapsed, nil
}

// timeEach calls call(ctx, i) for i from 0 to n-1, the first warm of them
// untimed, and summarises the others; answered counts those for which call
// returned true. An error ends it.
func (b *bench) timeEach(ctx context.Context, name string, warm, n int, call func(ctx context.Context, i int) (bool, error)) (latencyStats, error) {
	var done atomic.Int64
	stop := every(benchProgressEvery, func(elapsed time.Duration) {
		k := int(done.Load())
		b.progress("%s: %s/%s calls (warm-up, then timed), %s/s", name, humanInt(k), humanInt(n), humanInt(rate(k, elapsed)))
	})
	defer stop()
	lat := make([]time.Duration, 0, max(n-warm, 0))
	answered := 0
	for i := range n {
		if err := ctx.Err(); err != nil {
			return latencyStats{}, err
		}
		start := time.Now()
		ok, err := call(ctx, i)
		took := time.Since(start)
		if err != nil {
			return latencyStats{}, fmt.Errorf("%s: %w", name, err)
		}
		if i >= warm {
			lat = append(lat, took)
			if ok {
				answered++
			}
		}
		done.Add(1)
	}
	s := summarise(lat)
	s.Answered = answered
	return s, nil
}

// timedEmbedder adds up the time spent in Embed and the texts embedded.
type timedEmbedder struct {
	embedder
	nanos, texts atomic.Int64
}

func (t *timedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	start := time.Now()
	v, err := t.embedder.Embed(ctx, texts)
	t.nanos.Add(int64(time.Since(start)))
	t.texts.Add(int64(len(texts)))
	return v, err
}

// copyLines copies the first n lines of src to dst and returns how many
// there were.
func copyLines(src, dst string, n int) (int, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	r, w := bufio.NewReaderSize(in, 1<<20), bufio.NewWriterSize(out, 1<<20)
	copied := 0
	for copied < n {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			w.Write(line)
			copied++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return copied, out.Close()
}

// post sends body as JSON to u with the bench's key and reads the whole
// answer; any status but 2xx is an error, with the start of the answer.
func (b *bench) post(ctx context.Context, client *http.Client, u string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return b.send(client, req)
}

func clipBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func (b *bench) semanticTargets(cores string) []benchTarget {
	s := b.rep.Semantic
	if s == nil {
		return nil
	}
	return []benchTarget{
		{
			Name:     fmt.Sprintf("embedding throughput, GOMAXPROCS %d", s.Throughput.GOMAXPROCS),
			Target:   fmt.Sprintf(">= %s sentences/s%s", humanInt(int(targetEmbedRate)), cores),
			Measured: humanInt(int(s.Throughput.SentencesPerSecond)) + " sentences/s",
			Pass:     s.Throughput.SentencesPerSecond >= targetEmbedRate,
		},
		{
			Name:     "deflect, hybrid, query embedding included, p99",
			Target:   "< " + fmtDuration(targetDeflectP99),
			Measured: fmtMicros(s.Deflect.Hybrid.P99),
			Pass:     s.Deflect.Hybrid.Calls > 0 && s.Deflect.Hybrid.P99 < float64(targetDeflectP99.Microseconds()),
		},
	}
}

func (b *bench) triageTargets() []benchTarget {
	t := b.rep.Triage
	if t == nil {
		return nil
	}
	return []benchTarget{{
		Name:     "triage in process, p99",
		Target:   "< " + fmtDuration(targetTriageP99),
		Measured: fmtMicros(t.InProcess.P99),
		Pass:     t.InProcess.P99 < float64(targetTriageP99.Microseconds()),
	}, {
		Name:     fmt.Sprintf("triage over HTTP, c=%d, requests/s", t.HTTP.Concurrency),
		Target:   ">= " + humanInt(int(targetTriageRate)),
		Measured: humanInt(int(t.HTTP.RequestsPerSecond)),
		Pass:     t.HTTP.RequestsPerSecond >= targetTriageRate,
	}, {
		Name:     fmt.Sprintf("triage over HTTP, c=%d, errors", t.HTTP.Concurrency),
		Target:   "0",
		Measured: humanInt(t.HTTP.Errors),
		Pass:     t.HTTP.Errors == 0 && t.HTTP.Requests > 0,
	}}
}

func (b *bench) printSemantic(line func(...string), section func(string)) {
	s := b.rep.Semantic
	tp := s.Throughput
	section(fmt.Sprintf("Semantic: embedding throughput (built-in embedder %s, %d dimensions; %s ticket-like sentences of %d-%d words, mean %.1f words, %.1f tokens; batches of %d, GOMAXPROCS %d)",
		s.Model, s.Dimensions, humanInt(tp.Sentences), sentenceMinWords, sentenceMaxWords, tp.MeanWords, tp.MeanTokens, tp.Batch, tp.GOMAXPROCS))
	line("sentences/s", humanInt(int(tp.SentencesPerSecond)))
	line("time", fmtSeconds(tp.Seconds))
	line("model load", fmtSeconds(s.LoadSeconds))

	ix, de := s.Index, s.Deflect
	section(fmt.Sprintf("Semantic: indexing for deflection (the first %s articles of the corpus, with the embedder, as sift index --embedder use does)", humanInt(ix.Articles)))
	line("articles/s", humanInt(int(ix.ArticlesPerSecond)))
	line("time", fmtSeconds(ix.Seconds))
	embedding := fmtSeconds(ix.EmbedSeconds) + ", " + percent(int(1000*ix.EmbedSeconds), int(1000*ix.Seconds)) + " of the time"
	if ix.EmbedSeconds > 0 {
		embedding += ", " + humanInt(int(float64(ix.Articles)/ix.EmbedSeconds)) + " articles/s"
	}
	line("of which embedding", embedding)
	line("engine load", fmtSeconds(ix.EngineLoadSeconds))

	section(fmt.Sprintf("Semantic: deflection (%s drafts of a %d-%d word subject and a 1-2 sentence body, both portals, each timed once per column after %d to warm up; "+
		"Deflect in each retrieval mode, hybrid and vector embedding the query, then those two vector steps alone)",
		humanInt(de.Drafts), draftMinWords, draftMaxWords, de.WarmUp))
	cols := func(name string, f func(latencyStats) float64) {
		line(name, fmtMicros(f(de.Hybrid)), fmtMicros(f(de.Vector)), fmtMicros(f(de.Text)), fmtMicros(f(de.Embed)), fmtMicros(f(de.Search)))
	}
	line("", "hybrid", "vector", "text", "embed query", "vector search")
	cols("p50", func(l latencyStats) float64 { return l.P50 })
	cols("p90", func(l latencyStats) float64 { return l.P90 })
	cols("p99", func(l latencyStats) float64 { return l.P99 })
	cols("max", func(l latencyStats) float64 { return l.Max })
	line("answered", percent(de.Hybrid.Answered, de.Hybrid.Calls), percent(de.Vector.Answered, de.Vector.Calls),
		percent(de.Text.Answered, de.Text.Calls), "", percent(de.Search.Answered, de.Search.Calls))
}

func (b *bench) printTriage(line func(...string), section func(string)) {
	t := b.rep.Triage
	why := "embedding that many tickets with the built-in embedder does not fit in the run"
	if s := b.rep.Semantic; s != nil && s.Index.EmbedSeconds > 0 {
		perSecond := float64(s.Index.Articles) / s.Index.EmbedSeconds
		why = fmt.Sprintf("embedding %s tickets at the %s articles/s measured above would take about %s",
			humanInt(t.Tickets), humanInt(int(perSecond)), fmtApprox(time.Duration(float64(t.Tickets)/perSecond*float64(time.Second))))
	}
	section(fmt.Sprintf("Triage: indexing (%s synthetic tickets, %s of JSON Lines, into the data directory beside the articles, the sift index path with embedder %s: text only, as %s)",
		humanInt(t.Tickets), humanBytes(uint64(t.TicketsBytes)), t.Embedder, why))
	line("tickets/s", humanInt(int(t.TicketsPerSecond)))
	line("time", fmtSeconds(t.IndexSeconds))
	line("engine load", fmtSeconds(t.EngineLoadSeconds))
	line("ticket search load", fmtSeconds(t.TicketSearchSeconds))

	sim := t.Similar
	section(fmt.Sprintf("Triage: similar tickets (the first five for %d drafts, through the full-text index as before the in-memory ticket search is loaded, then through it)", sim.Drafts))
	line("", "full-text index", "in-memory")
	line("p50", fmtMicros(sim.FullTextP50), fmtMicros(sim.InMemoryP50))
	line("same category as the draft", fmt.Sprintf("%.3f", sim.SameCategoryFullText), fmt.Sprintf("%.3f", sim.SameCategoryInMemory))
	line("overlap@5", "", fmt.Sprintf("%.3f", sim.Overlap5))
	line("past the loading budget (none found)", fmt.Sprint(sim.FullTextPending), "")

	art := t.Articles
	section(fmt.Sprintf("Triage: suggested articles (the first five for %d drafts, through the article index as served, then through one reading every word of each draft)", art.Drafts))
	line("", "as served", "every word")
	line("p50", fmtMicros(art.PrunedP50), fmtMicros(art.EveryWordP50))
	line("drafts with articles", fmt.Sprintf("%.3f", art.WithArticlesPruned), fmt.Sprintf("%.3f", art.WithArticlesEveryWord))
	line("about the draft's product", fmt.Sprintf("%.3f", art.SameProductPruned), fmt.Sprintf("%.3f", art.SameProductEveryWord))
	line("overlap@5", "", fmt.Sprintf("%.3f", art.Overlap5))
	line("same first article", "", fmt.Sprintf("%.3f", art.SameFirst))

	section(fmt.Sprintf("Triage: classifiers (classify.Train on the first %s tickets, n-gram features, %s in all)", humanInt(t.TrainTickets), fmtSeconds(t.TrainSeconds)))
	line("field", "labels", "examples", "held-out accuracy", "macro-F1", "took")
	for _, c := range t.Classifiers {
		line(c.Field, fmt.Sprint(c.Labels), humanInt(c.Examples), fmt.Sprintf("%.3f", c.HeldOutAccuracy), fmt.Sprintf("%.3f", c.HeldOutMacroF1), fmtSeconds(c.Seconds))
	}

	section(fmt.Sprintf("Triage in process (TriageTicket on %s new tickets, both portals, each timed once after %d to warm up; no target given)",
		humanInt(t.InProcess.Calls), t.WarmUp))
	line("p50", fmtMicros(t.InProcess.P50))
	line("p90", fmtMicros(t.InProcess.P90))
	line("p99", fmtMicros(t.InProcess.P99))
	line("max", fmtMicros(t.InProcess.Max))
	line("with similar tickets", percent(t.WithSimilar, t.InProcess.Calls))
	line("with articles", percent(t.WithArticles, t.InProcess.Calls))

	h := t.HTTP
	section(fmt.Sprintf("Triage over HTTP (POST /v1/triage on 127.0.0.1, %d clients, %s; clients and server share the CPUs)",
		h.Concurrency, fmtSeconds(h.Seconds)))
	printHTTPLoad(line, h)
}

func fmtSeconds(s float64) string { return fmtDuration(time.Duration(s * float64(time.Second))) }

// fmtApprox prints an estimate: whole minutes from two minutes on.
func fmtApprox(d time.Duration) string {
	if d >= 2*time.Minute {
		return fmt.Sprintf("%d min", d.Round(time.Minute)/time.Minute)
	}
	return fmtDuration(d.Round(time.Second))
}

// The synthetic tickets: drawn from the vocabulary of the article corpus,
// each on a topic that decides its category, and mostly its assignment
// group and department, so classifiers have something to learn; customer
// tickets belong to one of a long tail of made-up organisations.

// ticketTopic is what a ticket can be about, and where it goes.
type ticketTopic struct {
	category            string
	itsmGroup, itsmDept string // "" when not filed on the ITSM portal
	custGroup, custDept string // "" when not filed on the customer portal
	objects, products   []string
}

var ticketTopics = []ticketTopic{
	{"Accounts and access", "Identity and Access", "it", "Customer Accounts", "support",
		[]string{"password", "account", "username", "authenticator app", "recovery codes", "security key", "service account", "badge", "profile photo"},
		[]string{"Okta", "Outlook", "Teams", "Windows 11", "macOS", "Salesforce", "Workday", "Shopify", "PayPal"}},
	{"Email and calendar", "Messaging", "it", "", "",
		[]string{"mailbox", "calendar", "email signature", "distribution list", "out-of-office reply", "contacts", "meeting room"},
		[]string{"Outlook", "Teams", "Zoom", "Webex", "Slack", "iOS", "Android"}},
	{"Network and VPN", "Network Operations", "it", "", "",
		[]string{"VPN profile", "Wi-Fi profile", "firewall rule", "network drive", "shared folder"},
		[]string{"GlobalProtect", "AnyConnect", "router", "Windows 11", "macOS", "Citrix"}},
	{"Printing", "Print Services", "it", "", "",
		[]string{"printer driver", "print queue", "toner cartridge", "scanner"},
		[]string{"LaserJet", "Xerox printer", "printer"}},
	{"Hardware", "End-User Computing", "it", "", "",
		[]string{"laptop", "monitor", "docking station", "headset", "keyboard", "firmware"},
		[]string{"Windows 11", "macOS", "Bluetooth", "Intune"}},
	{"Software", "Application Support", "it", "", "",
		[]string{"licence", "certificate", "browser cache", "user profile", "database", "team site", "channel"},
		[]string{"SAP", "Jira", "Confluence", "Salesforce", "Excel", "Word", "Acrobat", "Tableau", "Power BI", "Docker Desktop", "Visual Studio Code", "GitHub", "SharePoint", "OneDrive"}},
	{"Mobile devices", "Mobile Support", "it", "Device Support", "support",
		[]string{"phone number", "SIM card", "voicemail", "backup", "authenticator app"},
		[]string{"iOS", "Android", "Intune", "Brightloom app"}},
	{"Security", "Security Operations", "security", "", "",
		[]string{"encryption key", "API key", "certificate", "recovery codes", "security key"},
		[]string{"Defender", "BitLocker", "FileVault", "Okta", "Intune"}},
	{"Orders and delivery", "", "", "Order Support", "logistics",
		[]string{"parcel", "order", "delivery address", "return label", "warranty"},
		[]string{"Shopify", "Brightloom hub", "smart camera", "router"}},
	{"Billing and payments", "", "", "Billing Support", "finance",
		[]string{"invoice", "subscription", "payment method", "gift card", "refund", "receipt", "loyalty points"},
		[]string{"PayPal", "Stripe", "Shopify"}},
	{"Smart home", "", "", "Device Support", "support",
		[]string{"smart plug", "doorbell", "thermostat", "firmware", "Wi-Fi profile"},
		[]string{"Brightloom app", "Brightloom hub", "smart camera", "router", "Bluetooth"}},
	{"HR and payroll", "HR Services", "hr", "", "",
		[]string{"expense report", "timesheet", "purchase order", "payslip"},
		[]string{"Workday", "Concur", "SAP"}},
}

var (
	ticketNames = []string{"Alex", "Sam", "Priya", "Jonas", "Maria", "Wei", "Fatima", "Liam", "Chloe", "Mateo",
		"Aisha", "Noah", "Olga", "Kenji", "Zara", "Tom", "Ines", "Ravi", "Hannah", "Diego"}
	ticketOrgSuffixes = []string{"Ltd", "Inc", "GmbH", "BV", "SA", "Group", "Labs", "Partners"}
	ticketCues        = map[models.Priority][]string{
		models.PriorityCritical: {
			"This is urgent: the whole team is blocked and customers are affected.",
			"Production is down and we are losing money every minute.",
			"Critical: nobody in the office can work right now.",
		},
		models.PriorityHigh: {
			"I need this fixed today, please.",
			"This is blocking my work and I have a deadline tomorrow.",
			"Urgent please, I cannot do my job like this.",
		},
		models.PriorityLow: {
			"No rush, whenever you have time.",
			"Just a question for when someone is free.",
			"Low priority, there is a workaround for now.",
		},
		models.PriorityMedium: {"Thanks for looking into it."},
	}
	ticketFrustration = []string{
		"This is the third time I report this and I am really frustrated.",
		"Honestly this is unacceptable, it keeps happening.",
		"I am fed up with this, please escalate.",
	}
	ticketResolutions = []string{
		"Reset the %s and asked the user to sign in again.",
		"Reinstalled %s; the user confirmed it works.",
		"Known issue with %s, fixed by the latest update.",
		"Replaced the %s.",
		"Walked the user through the steps in the knowledge base article on the %s.",
	}
)

// ticketGen draws synthetic tickets from one seeded source.
type ticketGen struct {
	*corpusGen
	orgs     []string
	orgZipf  *rand.Zipf
	byPortal map[models.Portal][]int // indexes of the topics filed on each portal
	groups   map[models.Portal][]string
	depts    map[models.Portal][]string
	epoch    time.Time
}

func newTicketGen(seed, stream uint64, tickets int) *ticketGen {
	r := rand.New(rand.NewPCG(seed, stream))
	g := &ticketGen{
		corpusGen: newCorpusGenFrom(r, tickets),
		byPortal:  map[models.Portal][]int{},
		groups:    map[models.Portal][]string{},
		depts:     map[models.Portal][]string{},
		epoch:     time.Date(benchEpochYear, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i, t := range ticketTopics {
		if t.itsmGroup != "" {
			g.byPortal[models.PortalITSM] = append(g.byPortal[models.PortalITSM], i)
			g.groups[models.PortalITSM] = append(g.groups[models.PortalITSM], t.itsmGroup)
			g.depts[models.PortalITSM] = append(g.depts[models.PortalITSM], t.itsmDept)
		}
		if t.custGroup != "" {
			g.byPortal[models.PortalCustomer] = append(g.byPortal[models.PortalCustomer], i)
			g.groups[models.PortalCustomer] = append(g.groups[models.PortalCustomer], t.custGroup)
			g.depts[models.PortalCustomer] = append(g.depts[models.PortalCustomer], t.custDept)
		}
	}
	g.orgs = madeUpNames(r, max(tickets/orgsPerTickets, 20), func(name string) string {
		return name + " " + pick(r, ticketOrgSuffixes)
	})
	g.orgZipf = rand.NewZipf(r, 1.1, 4, uint64(len(g.orgs)-1))
	return g
}

// portal draws the portal of a ticket: a little more IT than customer.
func (g *ticketGen) portal() models.Portal {
	if g.r.IntN(100) < 55 {
		return models.PortalITSM
	}
	return models.PortalCustomer
}

func (g *ticketGen) topic(p models.Portal) *ticketTopic {
	return &ticketTopics[pick(g.r, g.byPortal[p])]
}

// about draws what a ticket on topic t is about: an object and a product,
// mostly one of the topic's, else any, from a long tail.
func (g *ticketGen) about(t *ticketTopic) (object, product string) {
	object = pick(g.r, t.objects)
	if g.r.IntN(10) < 7 {
		return object, pick(g.r, t.products)
	}
	return object, g.product()
}

func (g *ticketGen) subject(object, product string) string {
	r := g.r
	var s string
	switch r.IntN(10) {
	case 0:
		s = fmt.Sprintf("%s %s", product, pick(r, benchSymptoms))
	case 1:
		s = fmt.Sprintf("Cannot %s my %s", pick(r, benchVerbs), object)
	case 2:
		s = fmt.Sprintf("%s %s after %s", object, pick(r, benchStates), pick(r, benchEvents))
	case 3:
		s = fmt.Sprintf("Error %s when %s the %s", g.errorCode(), pick(r, benchGerunds), object)
	case 4:
		s = fmt.Sprintf("%s %s %s", product, pick(r, benchSymptoms), g.place())
	case 5:
		s = fmt.Sprintf("Need help to %s the %s in %s", pick(r, benchVerbs), object, product)
	case 6:
		s = fmt.Sprintf("My %s is %s", object, pick(r, benchStates))
	case 7:
		s = fmt.Sprintf("Please %s my %s", pick(r, benchVerbs), object)
	case 8:
		s = fmt.Sprintf("%s: %s %s", product, object, pick(r, benchStates))
	default:
		s = fmt.Sprintf("Question about my %s in %s", object, product)
	}
	return capitalise(s)
}

func (g *ticketGen) bodySentence(object, product string) string {
	r := g.r
	switch r.IntN(10) {
	case 0:
		return fmt.Sprintf("Hi, %s %s when I open my %s.", product, pick(r, benchSymptoms), object)
	case 1:
		return fmt.Sprintf("Since %s my %s is %s.", pick(r, benchEvents), object, pick(r, benchStates))
	case 2:
		return fmt.Sprintf("I tried to %s the %s but got error %s.", pick(r, benchVerbs), object, g.errorCode())
	case 3:
		return fmt.Sprintf("This happens %s.", g.place())
	case 4:
		return fmt.Sprintf("I am using %s on %s.", product, pick(r, benchPlatforms))
	case 5:
		return fmt.Sprintf("It worked fine until %s.", pick(r, benchEvents))
	case 6:
		return fmt.Sprintf("Could you %s the %s for me?", pick(r, benchVerbs), object)
	case 7:
		return fmt.Sprintf("%s %s every time I try.", product, pick(r, benchSymptoms))
	case 8:
		return fmt.Sprintf("Two colleagues %s have the same problem with the %s.", g.place(), object)
	}
	return fmt.Sprintf("I already restarted %s and signed in again.", product)
}

// priority draws a priority: mostly medium, rarely critical.
func (g *ticketGen) priority() models.Priority {
	switch x := g.r.IntN(100); {
	case x < 25:
		return models.PriorityLow
	case x < 70:
		return models.PriorityMedium
	case x < 92:
		return models.PriorityHigh
	}
	return models.PriorityCritical
}

// body is sentences about the object and product, with, most of the time,
// a sentence that gives the priority away.
func (g *ticketGen) body(object, product string, p models.Priority, sentences int) string {
	r := g.r
	parts := make([]string, 0, sentences+3)
	for range sentences {
		parts = append(parts, g.bodySentence(object, product))
	}
	if p != models.PriorityMedium && r.IntN(100) < 85 || p == models.PriorityMedium && r.IntN(100) < 20 {
		cue := pick(r, ticketCues[p])
		at := r.IntN(len(parts) + 1)
		parts = append(parts[:at], append([]string{cue}, parts[at:]...)...)
	}
	if r.IntN(12) == 0 {
		parts = append(parts, pick(r, ticketFrustration))
	}
	if r.IntN(2) == 0 {
		parts = append(parts, "Thanks, "+pick(r, ticketNames)+".")
	}
	return strings.Join(parts, " ")
}

// ticket draws the i-th ticket, labelled.
func (g *ticketGen) ticket(i int) *models.Ticket {
	t, _ := g.ticketAbout(i)
	return t
}

// ticketAbout draws the i-th ticket, labelled, and the product it is
// about.
func (g *ticketGen) ticketAbout(i int) (*models.Ticket, string) {
	r := g.r
	portal := g.portal()
	top := g.topic(portal)
	object, product := g.about(top)
	prio := g.priority()
	t := &models.Ticket{
		ID:        fmt.Sprintf("TKT-%07d", i+1),
		Portal:    portal,
		Subject:   g.subject(object, product),
		Body:      g.body(object, product, prio, 1+r.IntN(4)),
		Category:  top.category,
		Priority:  prio,
		CreatedAt: g.epoch.Add(-time.Duration(r.Int64N(int64(ticketDays * 24 * time.Hour)))).Truncate(time.Second),
	}
	t.Group, t.Department = top.itsmGroup, top.itsmDept
	name := pick(r, ticketNames)
	if portal == models.PortalCustomer {
		t.Group, t.Department = top.custGroup, top.custDept
		t.Org = g.orgs[g.orgZipf.Uint64()]
		t.Requester = fmt.Sprintf("%s.%d@customer.example", strings.ToLower(name), r.IntN(1000))
	} else {
		t.Requester = fmt.Sprintf("%s.%d@corp.example", strings.ToLower(name), r.IntN(1000))
	}
	// Some labels disagree with the topic, as in any real queue.
	if r.IntN(100) < 6 {
		t.Group = pick(r, g.groups[portal])
	}
	if r.IntN(100) < 4 {
		t.Department = pick(r, g.depts[portal])
	}
	if r.IntN(100) < 3 {
		t.Category = pick(r, benchCategories)
	}
	switch x := r.IntN(100); {
	case x < 35:
		t.Status = "open"
	case x < 50:
		t.Status = "pending"
	default:
		t.Status = "resolved"
		if x >= 90 {
			t.Status = "closed"
		}
		t.Resolution = fmt.Sprintf(pick(r, ticketResolutions), object)
		t.ResolvedAt = t.CreatedAt.Add(time.Duration(1+r.IntN(72)) * time.Hour)
	}
	return t, product
}

// triageDraft draws a new ticket as it arrives: no id, no labels; and
// the category its topic gives it, to judge its similar tickets by, and
// the product it names, if it names the one it is about, to judge its
// suggested articles by.
func (g *ticketGen) triageDraft() (draft models.Ticket, category, product string) {
	t, product := g.ticketAbout(0)
	if !strings.Contains(t.Subject+"\n"+t.Body, product) {
		product = ""
	}
	return models.Ticket{Portal: t.Portal, Org: t.Org, Requester: t.Requester, Subject: t.Subject, Body: t.Body}, t.Category, product
}

// deflectDraft draws a ticket draft for deflection: a subject of
// draftMinWords to draftMaxWords words and a body of one or two sentences.
func (g *ticketGen) deflectDraft() models.DeflectRequest {
	portal := g.portal()
	object, product := g.about(g.topic(portal))
	subject := g.subject(object, product)
	for try := 0; !wordsIn(subject, draftMinWords, draftMaxWords) && try < 50; try++ {
		subject = g.subject(object, product)
	}
	subject = firstWordsOf(subject, draftMaxWords)
	body := g.bodySentence(object, product)
	if g.r.IntN(2) == 0 {
		body += " " + g.bodySentence(object, product)
	}
	return models.DeflectRequest{Subject: subject, Body: body, Audience: models.Audience{Portal: portal}}
}

// sentence draws one ticket-like sentence of minWords to maxWords words.
func (g *ticketGen) sentence(minWords, maxWords int) string {
	var s string
	for try := 0; try < 50; try++ {
		portal := g.portal()
		object, product := g.about(g.topic(portal))
		switch g.r.IntN(4) {
		case 0:
			s = g.subject(object, product)
		case 1:
			s = pick(g.r, ticketCues[g.priority()])
		default:
			s = g.bodySentence(object, product)
		}
		if wordsIn(s, minWords, maxWords) {
			return s
		}
	}
	return firstWordsOf(s, maxWords)
}

func wordsIn(s string, lo, hi int) bool {
	n := len(strings.Fields(s))
	return n >= lo && n <= hi
}

func firstWordsOf(s string, n int) string {
	words := strings.Fields(s)
	return strings.Join(words[:min(n, len(words))], " ")
}

// writeTickets writes n tickets from g to path as JSON Lines and returns
// the first keep of them and the file's size.
func writeTickets(path string, g *ticketGen, n, keep int) (first []*models.Ticket, size int64, err error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, 0, fmt.Errorf("write tickets: %w", err)
	}
	defer file.Close()
	w := bufio.NewWriterSize(file, 1<<20)
	first = make([]*models.Ticket, 0, keep)
	for i := range n {
		t := g.ticket(i)
		line, err := json.Marshal(t)
		if err != nil {
			return nil, 0, fmt.Errorf("write tickets: %w", err)
		}
		w.Write(line)
		w.WriteByte('\n')
		size += int64(len(line) + 1)
		if i < keep {
			first = append(first, t)
		}
	}
	if err := w.Flush(); err != nil {
		return nil, 0, fmt.Errorf("write tickets: %w", err)
	}
	if err := file.Close(); err != nil {
		return nil, 0, fmt.Errorf("write tickets: %w", err)
	}
	return first, size, nil
}
