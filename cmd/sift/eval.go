package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/engine/sentiment"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/models"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	evals := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"search":    evalSearch,
		"suggest":   evalSuggest,
		"sentiment": evalSentiment,
		"classify":  evalClassify,
		"answer":    evalAnswer,
	}
	if len(args) == 0 || evals[args[0]] == nil {
		fmt.Fprintln(stderr, "Usage: sift eval search|suggest|answer|sentiment|classify [flags] FILE...\n\n"+
			"  search     nDCG@10, MRR and recall@5 of full-text, vector and hybrid retrieval\n"+
			"  answer     passage hit@1 and @3, key phrase in the answer, answer/no-answer accuracy\n"+
			"  suggest    hit@8 and answered share of type-ahead on judged prefixes\n"+
			"  sentiment  accuracy and macro-F1 of the sentiment analyser on a labelled file\n"+
			"  classify   train on one labelled file, test on another: accuracy, macro-F1, calibration")
		return errUsage
	}
	return evals[args[0]](ctx, args[1:], stdout, stderr)
}

// evalSearch scores retrieval in every mode on a file of judged queries.
func evalSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("eval search", "FILE", "Score retrieval on judged queries (JSON Lines of {query, portal, relevant, kind})\n"+
		"with full text alone, vectors alone and hybrid, in one run, over an indexed data directory.", stderr)
	var data, nomatch string
	var emb embedderFlags
	var weight float64
	var db dbFlags
	f.StringVar(&data, "data", "sift-data", "data directory")
	db.register(f)
	f.Float64Var(&weight, "vector-weight", models.DefaultVectorWeight, "the vector side's share in hybrid fusion, 0 to 1")
	f.StringVar(&nomatch, "nomatch", "", "also score relevance with this file of queries no article answers (JSON Lines of {query, portal, kind}): calibration of each hit's relevance (reliability table, ECE), the share of these queries answered with nothing, and recall@5 when answers that do not match show nothing")
	emb.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		f.Usage()
		return errUsage
	}
	queries, err := readFile(f.Arg(0), engine.ReadJudgedQueries)
	if err != nil {
		return err
	}
	var unknown []engine.NoMatchQuery
	if nomatch != "" {
		if unknown, err = readFile(nomatch, engine.ReadNoMatchQueries); err != nil {
			return err
		}
	}
	d, log, eng, err := f.openEngine(ctx, data, &db, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	modes := []string{models.RetrievalText}
	vectors, err := d.evalVectors(ctx, eng, &emb, log, stderr)
	if err != nil {
		return err
	}
	if vectors {
		modes = append(modes, models.RetrievalVector, models.RetrievalHybrid)
	}
	results := map[string]map[string]engine.RetrievalScores{}
	for _, mode := range modes {
		r := models.Retrieval{Mode: mode, VectorWeight: &weight}
		if results[mode], _, err = eng.EvaluateSearch(ctx, queries, r); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "retrieval on %d judged queries from %s\n\n", len(queries), f.Arg(0))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tqueries\tmode\tnDCG@10\tMRR\trecall@5\t")
	for _, kind := range slices.Sorted(maps.Keys(results[models.RetrievalText])) {
		for _, mode := range modes {
			s := results[mode][kind]
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.3f\t%.3f\t%.3f\t\n", kind, s.Queries, mode, s.NDCG10, s.MRR, s.Recall5)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if nomatch == "" {
		return nil
	}
	for _, mode := range modes {
		if err := printRelevance(ctx, stdout, eng, queries, unknown, models.Retrieval{Mode: mode, VectorWeight: &weight}); err != nil {
			return err
		}
	}
	return nil
}

// evalVectors gives eng the embedder the flags name, with every article
// embedded first (showing progress); false when the flags name none.
func (d *dataDir) evalVectors(ctx context.Context, eng *engine.Engine, emb *embedderFlags, log *slog.Logger, stderr io.Writer) (bool, error) {
	e, err := emb.open(ctx, log)
	if err != nil || e == nil {
		return false, err
	}
	if err := d.useVectors(ctx, e, log); err != nil {
		return false, err
	}
	if err := d.syncVectors(ctx, false, log, newProgressLine(stderr).vectors); err != nil {
		return false, err
	}
	eng.UseVectors(e, d.vectors)
	return true, nil
}

// evalAnswer scores extractive answers on a file of questions.
func evalAnswer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("eval answer", "FILE", "Score answers on questions (JSON Lines of {question, portal, article, key_phrase}, and\n"+
		"{question, portal, answerable: false} for questions no article answers) over an indexed data directory:\n"+
		"passage hit@1 and @3, the share of answers holding the key phrase, and answer/no-answer accuracy.", stderr)
	var data string
	var emb embedderFlags
	var db dbFlags
	f.StringVar(&data, "data", "sift-data", "data directory")
	db.register(f)
	emb.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		f.Usage()
		return errUsage
	}
	questions, err := readFile(f.Arg(0), engine.ReadAnswerQuestions)
	if err != nil {
		return err
	}
	d, log, eng, err := f.openEngine(ctx, data, &db, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.evalVectors(ctx, eng, &emb, log, stderr); err != nil {
		return err
	}
	// As sift serve does once the documents are embedded.
	if err := eng.WarmPassageVectors(ctx, warmPassageArticles); err != nil {
		return err
	}
	s, err := eng.EvaluateAnswers(ctx, questions, models.Retrieval{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "answers to %d questions from %s (%d answerable, %d not)\n", len(questions), f.Arg(0), s.Answerable, s.Unanswerable)
	fmt.Fprintf(stdout, "passage hit@1 %.4f\npassage hit@3 %.4f\nkey phrase %.4f\nanswered %.4f\nno answer %.4f\naccuracy %.4f\n",
		s.PassageHit1, s.PassageHit3, s.KeyPhrase, s.Answered, s.NoAnswer, s.Accuracy)
	fmt.Fprintf(stdout, "latency p50 %s, p99 %s (each question once, in turn)\n", s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond))
	return nil
}

// printRelevance prints how well the relevance model of one retrieval
// mode is calibrated on judged and no-match queries, and what its floor
// does to them.
func printRelevance(ctx context.Context, w io.Writer, eng *engine.Engine, judged []engine.JudgedQuery, unknown []engine.NoMatchQuery, r models.Retrieval) error {
	data, err := eng.JudgeHits(ctx, judged, unknown, r)
	if err != nil {
		return err
	}
	m := eng.RelevanceModel(r.Mode)
	bins, ece, hits := m.Reliability(data, 10)
	fmt.Fprintf(w, "\nrelevance, %s: ECE %.4f over %d hits; floor %.4f; %d no-match queries answered with nothing: %.3f\n",
		r.Mode, ece, hits, m.Floor, len(unknown), m.NoMatchShare(data))
	recall := m.Recall5(data)
	for _, kind := range slices.Sorted(maps.Keys(recall)) {
		fmt.Fprintf(w, "  recall@5 of %s queries when answers below the floor show nothing: %.3f\n", kind, recall[kind])
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  relevance\thits\tpredicted\tobserved\t")
	for i, b := range bins {
		if b.Count > 0 {
			fmt.Fprintf(tw, "  %.1f-%.1f\t%d\t%.3f\t%.3f\t\n", float64(i)/10, float64(i+1)/10, b.Count, b.Predicted, b.Observed)
		}
	}
	return tw.Flush()
}

// evalSuggest scores type-ahead on a file of judged prefixes.
func evalSuggest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("eval suggest", "FILE", "Score type-ahead on judged prefixes (JSON Lines of {q, portal, intended, source}):\n"+
		"the share whose intended article is among the first eight suggestions, over an indexed data directory.", stderr)
	var data, out string
	var db dbFlags
	var misses bool
	f.StringVar(&data, "data", "sift-data", "data directory")
	f.BoolVar(&misses, "misses", false, "also list every prefix that missed, with what was shown")
	f.StringVar(&out, "out", "", "also write each prefix's article ids and latency to this file, as JSON in the shape the peer harness's score.py reads")
	db.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		f.Usage()
		return errUsage
	}
	prefixes, err := readFile(f.Arg(0), engine.ReadJudgedPrefixes)
	if err != nil {
		return err
	}
	d, _, eng, err := f.openEngine(ctx, data, &db, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	scores, outcomes, err := eng.EvaluateSuggest(ctx, prefixes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "type-ahead on %d judged prefixes from %s\n\n", len(prefixes), f.Arg(0))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "source\tprefixes\thit@8\tanswered\t")
	for _, src := range slices.Sorted(maps.Keys(scores)) {
		s := scores[src]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t\n", src, s.Prefixes, s.Hit8, s.Answered)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if misses {
		fmt.Fprintln(stdout, "\nmisses (prefix, portal, intended: shown)")
		for i, o := range outcomes {
			if p := prefixes[i]; !o.Hit {
				fmt.Fprintf(stdout, "%q\t%s\t%s: %s\n", p.Query, p.Portal, strings.Join(p.Intended, ","), strings.Join(o.Shown, ","))
			}
		}
	}
	if out != "" {
		return writePeerShape(out, outcomes)
	}
	return nil
}

// writePeerShape writes type-ahead outcomes as the peer harness's score.py
// reads an engine's run: {"task": "suggest", "lat_us": [...], "ids":
// [[...], ...]}, one entry per prefix, in order.
func writePeerShape(path string, outcomes []engine.SuggestOutcome) error {
	run := struct {
		Task  string     `json:"task"`
		LatUS []float64  `json:"lat_us"`
		IDs   [][]string `json:"ids"`
	}{Task: "suggest"}
	for _, o := range outcomes {
		run.LatUS = append(run.LatUS, float64(o.Took.Nanoseconds())/1e3)
		run.IDs = append(run.IDs, append([]string{}, o.Shown...))
	}
	data, err := json.Marshal(run)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// openEngine opens the data directory (or database) an eval reads, and an
// engine over it; the caller closes the directory.
func (fs *flagSet) openEngine(ctx context.Context, data string, db *dbFlags, stderr io.Writer) (*dataDir, *slog.Logger, *engine.Engine, error) {
	d, log, err := fs.openDataDir(ctx, data, db, 0, true, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	eng, err := engine.New(ctx, engine.Config{}, d.store, d.textIndex(), d.writer, log)
	if err != nil {
		d.Close()
		return nil, nil, nil, err
	}
	return d, log, eng, nil
}

// evalSentiment scores the sentiment analyser on a labelled file.
func evalSentiment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("eval sentiment", "FILE", "Score the sentiment analyser on JSON Lines of {text, label}: accuracy,\n"+
		"macro-F1 and per-class precision and recall.", stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		f.Usage()
		return errUsage
	}
	examples, err := readFile(f.Arg(0), sentiment.ReadExamples)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sentiment on %d labelled texts from %s\n\n", len(examples), f.Arg(0))
	return sentiment.Evaluate(sentiment.New(), examples).Format(stdout)
}

// readFile opens path and parses it with read, naming the file in errors.
func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	file, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer file.Close()
	v, err := read(file)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// evalClassify trains a classifier on one file and measures it on another.
func evalClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("eval classify", "", "Train a classifier on --train and measure it on --test: accuracy, macro-F1,\n"+
		"per-class precision and recall, a reliability table, training time and predictions per second.\n"+
		"Files are CSV with a header row or JSON Lines.", stderr)
	var train, test, unknown, text, label string
	var emb embedderFlags
	var targets targetFlags
	f.StringVar(&train, "train", "", "labelled training file (.csv or .jsonl)")
	f.StringVar(&test, "test", "", "labelled test file (.csv or .jsonl)")
	f.StringVar(&unknown, "unknown", "", "texts of no class the model learned, in --test's format (labels ignored): print in-scope accuracy\n"+
		"(answered and right, over --test), unknown recall (abstained, over these) and AUROC, a line each")
	targets.register(f)
	f.StringVar(&text, "text", "text", "text column(s), comma-separated (e.g. subject,body)")
	f.StringVar(&label, "label", "label", "label column")
	emb.register(f)
	f.Lookup("embedder").DefValue = "none"
	emb.kind = "none"
	if err := f.parse(args); err != nil {
		return err
	}
	if train == "" || test == "" {
		fmt.Fprintln(stderr, "sift eval classify: --train and --test are required")
		f.Usage()
		return errUsage
	}
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	cols := strings.Split(text, ",")
	trainSet, err := classify.ReadExamples(train, cols, label)
	if err != nil {
		return err
	}
	testSet, err := classify.ReadExamples(test, cols, label)
	if err != nil {
		return err
	}
	var unknownSet []classify.Example
	if unknown != "" {
		if unknownSet, err = classify.ReadExamples(unknown, cols, label); err != nil {
			return err
		}
	}
	e, err := emb.open(ctx, log)
	if err != nil {
		return err
	}
	if e != nil {
		for _, set := range [][]classify.Example{trainSet, testSet, unknownSet} {
			if err := embedExamples(ctx, e, set, newProgressLine(stderr)); err != nil {
				return err
			}
		}
	}
	start := time.Now()
	m, err := classify.Train(ctx, trainSet, targets.options())
	if err != nil {
		return err
	}
	took := time.Since(start)
	if unknown != "" {
		return classify.EvaluateOpen(m, testSet, unknownSet).Format(stdout)
	}
	report := classify.Evaluate(m, testSet)
	fmt.Fprintf(stdout, "classify: trained on %d examples of %s in %s, tested on %d of %s (dense features: %v)\n\n",
		len(trainSet), train, took.Round(time.Millisecond), len(testSet), test, e != nil)
	return report.Format(stdout)
}

// embedExamples adds each example's embedding as dense features.
func embedExamples(ctx context.Context, e embedder, set []classify.Example, bar *progressLine) error {
	start := time.Now()
	const batch = 256
	for i := 0; i < len(set); i += batch {
		end := min(i+batch, len(set))
		texts := make([]string, 0, end-i)
		for _, ex := range set[i:end] {
			texts = append(texts, ex.Text)
		}
		vecs, err := e.Embed(ctx, texts)
		if err != nil {
			return err
		}
		for j, v := range vecs {
			set[i+j].Dense = v
		}
		bar.vectors(indexer.VectorProgress{Done: end, Total: len(set), Elapsed: time.Since(start)})
	}
	bar.done()
	return nil
}
