package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/models"
)

// indexFlags are the flags of sift index.
type indexFlags struct {
	*flagSet
	data          string
	kind          string
	from          string
	deleteMissing bool
	batchSize     int
	reembed       bool
	embedder      embedderFlags
	db            dbFlags
}

func newIndexFlags(stderr io.Writer) *indexFlags {
	f := &indexFlags{flagSet: newFlagSet("index", "FILE|FOLDER...",
		"Upsert articles, tickets and query records by id: new ones are added, changed ones\n"+
			"re-indexed, unchanged ones skipped. Reads JSON Lines (.jsonl), CSV with a header row\n"+
			"(.csv), Markdown with YAML front matter (.md) and folders of Markdown, or with --from\n"+
			"a help desk's exports. Bad records are reported with file and line and skipped; the\n"+
			"exit code is then 1.", stderr)}
	f.StringVar(&f.data, "data", "sift-data", "data directory")
	f.StringVar(&f.kind, "kind", "", "document kind of JSON Lines and CSV records: article, ticket, query, synonym, curation, org or incident (default: guess per record)")
	f.StringVar(&f.from, "from", "", "read the help desk exports of zendesk, servicenow, jira or freshdesk, or auto to tell each file's desk from its fields (see the README's field mappings)")
	f.BoolVar(&f.deleteMissing, "delete-missing", false, "delete stored documents of the kinds read that the sources no longer contain")
	f.IntVar(&f.batchSize, "batch-size", indexer.DefaultBatchSize, "documents per write")
	f.BoolVar(&f.reembed, "reembed", false, "embed every document again, as after changing the embedder")
	f.embedder.register(f.flagSet)
	f.db.register(f.flagSet)
	return f
}

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newIndexFlags(stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() == 0 {
		fmt.Fprintln(stderr, "sift index: name at least one FILE or FOLDER")
		f.Usage()
		return errUsage
	}
	return indexFiles(ctx, f, f.Args(), stdout, stderr)
}

// indexFiles indexes sources into the data directory and prints a summary.
// It is the whole of sift index, shared with sift demo.
func indexFiles(ctx context.Context, f *indexFlags, sources []string, stdout, stderr io.Writer) error {
	kind := models.Kind(f.kind)
	if kind != "" && !slices.Contains(models.Kinds, kind) {
		return fmt.Errorf("--kind: want article, ticket, query, synonym, curation, org or incident, got %q", f.kind)
	}
	opt := indexer.Options{Kind: kind, DeleteMissing: f.deleteMissing}
	if f.from != "" {
		if kind != "" {
			return fmt.Errorf("--kind and --from: a help desk's export says the kind of each record; drop --kind")
		}
		var err error
		if opt.Read, err = helpdeskReader(f.from); err != nil {
			return err
		}
	}
	if f.batchSize < 1 || f.batchSize > 10000 {
		return fmt.Errorf("--batch-size: want 1 to 10000, got %d", f.batchSize)
	}
	d, log, err := f.openDataDir(ctx, f.data, &f.db, f.batchSize, false, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	emb, err := f.embedder.open(ctx, log)
	if err != nil {
		return err
	}
	// Over PostgreSQL, load first and build the HNSW indexes after: rows
	// go in by COPY far faster than an index can take them one by one.
	d.deferVectorIndex = true
	bar := newProgressLine(stderr)
	if emb != nil {
		if err := d.useVectors(ctx, emb, log); err != nil {
			return err
		}
		if err := d.syncVectors(ctx, f.reembed, log, bar.vectors); err != nil {
			return err
		}
	}

	opt.Progress = bar.update
	sum, err := d.indexer.IndexSources(ctx, sources, opt)
	bar.done()
	if ixErr := d.ensureVectorIndex(ctx, log); err == nil {
		err = ixErr
	}
	for _, p := range sum.Problems {
		fmt.Fprintf(stderr, "%s: skipped: %v\n", p.Location(), p.Err)
	}
	fmt.Fprintf(stdout, "indexed %d records from %d sources in %s (%s/s): %d added, %d updated, %d unchanged, %d deleted, %d skipped\n",
		sum.Read, len(sources), sum.Elapsed.Round(time.Millisecond), humanInt(rate(sum.Read, sum.Elapsed)),
		sum.Added, sum.Updated, sum.Unchanged, sum.Deleted, sum.Skipped)
	if err != nil {
		return err
	}
	if sum.DeleteSkipped {
		fmt.Fprintln(stderr, "--delete-missing not applied: fix the skipped records and run again")
	}
	if sum.Skipped > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d records skipped; everything else was indexed", sum.Skipped)}
	}
	return nil
}

// progressLine redraws one status line on a terminal; elsewhere it writes
// a line of counts every progressEvery, so a long run in a log or CI shows
// it is alive without flooding it.
type progressLine struct {
	w    io.Writer
	tty  bool
	last time.Time
}

// progressEvery is how often progress is written when not on a terminal.
const progressEvery = 5 * time.Second

func newProgressLine(w io.Writer) *progressLine {
	p := &progressLine{w: w, last: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progressLine) update(pr indexer.Progress) {
	p.print(false, "%s records  %s/s  (%d added, %d updated, %d unchanged, %d skipped)",
		humanInt(pr.Read), humanInt(rate(pr.Read, pr.Elapsed)), pr.Added, pr.Updated, pr.Unchanged, pr.Skipped)
}

func (p *progressLine) vectors(pr indexer.VectorProgress) {
	p.print(pr.Done == pr.Total, "embedding %s/%s documents  %s/s", humanInt(pr.Done), humanInt(pr.Total), humanInt(rate(pr.Done, pr.Elapsed)))
}

// print redraws the line on a terminal at most every 100 ms (always when
// final), and elsewhere writes it as a line of its own every
// progressEvery.
func (p *progressLine) print(final bool, format string, args ...any) {
	every := progressEvery
	if p.tty {
		every = 100 * time.Millisecond
	}
	if time.Since(p.last) < every && !(final && p.tty) {
		return
	}
	p.last = time.Now()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K"+format, args...)
		return
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progressLine) done() {
	if p.tty && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func rate(n int, d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(float64(n) / d.Seconds())
}

// humanInt formats n with thousands separators: 12345 is "12,345".
func humanInt(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + humanInt(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
