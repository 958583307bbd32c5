package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/indexer/hnsw"
	"github.com/siftdesk/sift/models"
)

// trainedFields are the ticket fields sift train learns by default.
var trainedFields = []string{"category", "priority", "group", "department"}

// minTrainingExamples is the fewest labelled tickets a field needs.
const minTrainingExamples = 20

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("train", "", "Train one classifier per labelled ticket field (category, priority, group, department,\n"+
		"and any --field) on the tickets indexed in the data directory, and save them there with a\n"+
		"manifest. sift serve loads them. Retraining replaces each model atomically.", stderr)
	var data string
	var extra stringList
	var dense bool
	var db dbFlags
	var targets targetFlags
	f.StringVar(&data, "data", "sift-data", "data directory (where the models are saved)")
	db.register(f)
	targets.register(f)
	f.Var(&extra, "field", "another string field of the tickets to learn (repeatable)")
	f.BoolVar(&dense, "dense", true, "use the tickets' stored embeddings as features beside the n-grams, when present")
	if err := f.parse(args); err != nil {
		return err
	}
	d, log, err := f.openDataDir(ctx, data, &db, 0, false, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	tickets, vectors, err := loadTickets(ctx, d, dense)
	if err != nil {
		return err
	}
	fields := append(slices.Clone(trainedFields), extra...)
	results, err := trainModels(ctx, data, tickets, vectors, fields, targets.options(), log)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "field\texamples\tlabels\tdense\theld-out accuracy\tmacro-F1\tECE\tthreshold\ttook\t")
	for _, r := range results {
		man := r.model.Manifest()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%v\t%.3f\t%.3f\t%.3f\t%.2f\t%s\t\n", r.field, man.Examples, len(r.model.Labels()), r.model.DenseDim() > 0,
			man.HeldOut.Accuracy, man.HeldOut.MacroF1, man.HeldOut.ECE, r.model.Threshold(), r.took.Round(time.Millisecond))
	}
	tw.Flush()
	where := filepath.Join(data, "models")
	if d.pg != nil {
		if err := d.storeClassifiers(ctx, results); err != nil {
			return err
		}
		where += " and in the database, where every replica loads them"
	}
	fmt.Fprintf(stdout, "\nsaved %d models in %s; restart sift serve to use them\n", len(results), where)
	return nil
}

// trainedModel is one field's freshly trained and saved model.
type trainedModel struct {
	field string
	model *classify.Model
	took  time.Duration
}

// trainModels trains and saves a model for each field with enough labelled
// tickets, with opts. It fails when no field has.
func trainModels(ctx context.Context, data string, tickets []*models.Ticket, vectors map[string][]float32, fields []string, opts classify.Options, log *slog.Logger) ([]trainedModel, error) {
	var out []trainedModel
	for _, field := range fields {
		examples := ticketExamples(tickets, vectors, field)
		labels := map[string]bool{}
		for _, ex := range examples {
			labels[ex.Label] = true
		}
		if len(examples) < minTrainingExamples || len(labels) < 2 {
			log.Warn("not enough labelled tickets to train", "field", field, "examples", len(examples), "labels", len(labels))
			continue
		}
		start := time.Now()
		m, err := classify.Train(ctx, examples, opts)
		if err != nil {
			return nil, fmt.Errorf("train %s: %w", field, err)
		}
		if err := saveModel(modelPath(data, field), m); err != nil {
			return nil, err
		}
		out = append(out, trainedModel{field: field, model: m, took: time.Since(start)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no field has %d or more labelled tickets with two labels or more", minTrainingExamples)
	}
	return out, writeManifest(data, out)
}

// writeManifest records, in models/manifest.json, each model's manifest:
// when it was trained, on how many tickets, its labels and held-out scores.
func writeManifest(data string, trained []trainedModel) error {
	byField := map[string]classify.Manifest{}
	for _, t := range trained {
		byField[t.field] = t.model.Manifest()
	}
	b, err := json.MarshalIndent(byField, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(data, "models", "manifest.json"), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// targetFlags are the abstain targets of a trained classifier.
type targetFlags struct {
	precision, coverage float64
}

func (t *targetFlags) register(f *flagSet) {
	f.Float64Var(&t.precision, "target-precision", 0.9, "the accuracy a classifier's answers must reach on held-out tickets: below it, it abstains")
	f.Float64Var(&t.coverage, "target-coverage", classify.DefaultTargetCoverage,
		"the most of held-out tickets a classifier answers: it abstains on the least confident rest, as on requests unlike any it learned (1: no such limit)")
}

// options returns training options with the targets.
func (t *targetFlags) options() classify.Options {
	return classify.Options{Seed: 1, TargetPrecision: t.precision, TargetCoverage: t.coverage}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// loadTickets reads every stored ticket and, when dense, their vectors.
func loadTickets(ctx context.Context, d *dataDir, dense bool) ([]*models.Ticket, map[string][]float32, error) {
	var tickets []*models.Ticket
	if err := d.store.Tickets(ctx, func(t *models.Ticket) error {
		tickets = append(tickets, t)
		return nil
	}); err != nil {
		return nil, nil, err
	}
	vectors := map[string][]float32{}
	if dense {
		model, err := hnsw.SavedModel(d.vectorDir())
		if err != nil || model == "" {
			return tickets, vectors, err
		}
		err = d.store.Vectors(ctx, models.KindTicket, model, func(id string, v []float32) error {
			vectors[id] = v
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		if len(vectors) < len(tickets) {
			vectors = map[string][]float32{} // partial vectors would mix two feature spaces
		}
	}
	return tickets, vectors, nil
}

// ticketExamples turns tickets with a label for field into examples.
func ticketExamples(tickets []*models.Ticket, vectors map[string][]float32, field string) []classify.Example {
	var out []classify.Example
	for _, t := range tickets {
		label := ticketField(t, field)
		if label == "" {
			continue
		}
		out = append(out, classify.Example{Text: t.Subject + "\n" + t.Body, Dense: vectors[t.ID], Label: label})
	}
	return out
}

// ticketField returns a ticket's value for a modelled or extra field.
func ticketField(t *models.Ticket, field string) string {
	switch field {
	case "category":
		return t.Category
	case "priority":
		return string(t.Priority)
	case "group":
		return t.Group
	case "department":
		return t.Department
	}
	var s string
	if raw, ok := t.Extra[field]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func modelPath(data, field string) string {
	return filepath.Join(data, "models", field+".model")
}

// saveModel writes a model through a temporary file and a rename, so a
// crash mid-save leaves the previous model in place.
func saveModel(path string, m *classify.Model) error {
	return writeFileAtomic(path, m.Save)
}

// writeFileAtomic writes path through a temporary file in the same folder,
// synced and then renamed over it.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".write-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// loadModels reads every trained model in the data directory, by field.
func loadModels(data string, log *slog.Logger) (map[string]*classify.Model, error) {
	paths, _ := filepath.Glob(filepath.Join(data, "models", "*.model"))
	out := map[string]*classify.Model{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		field := strings.TrimSuffix(filepath.Base(p), ".model")
		out[field], err = decodeModel(f, field, p, log)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeModel reads field's model from r, which from names in errors and
// logs.
func decodeModel(r io.Reader, field, from string, log *slog.Logger) (*classify.Model, error) {
	m, err := classify.Load(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (run sift train again)", from, err)
	}
	log.Info("classifier loaded", "field", field, "from", from, "labels", len(m.Labels()), "trained_at", m.Manifest().TrainedAt)
	return m, nil
}
