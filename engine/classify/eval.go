package classify

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// Report is a model's scores on labelled test examples. It marshals to
// JSON as it is.
type Report struct {
	// Examples is the number of test examples.
	Examples int `json:"examples"`
	// Accuracy is the share of examples whose top label is right, counting
	// abstentions by their label; MacroF1 is the unweighted mean F1 over
	// the classes in the test set or predicted.
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// Classes are the per-class scores, by label.
	Classes []ClassScores `json:"classes"`
	// Reliability is the reliability table: ten equal-width confidence
	// bins, [0, 0.1) ... [0.9, 1].
	Reliability []Bin `json:"reliability"`
	// ECE is the expected calibration error: the mean over bins, weighted
	// by count, of |accuracy - mean confidence|.
	ECE float64 `json:"ece"`
	// Threshold is the model's abstain threshold; Answered counts the
	// examples at or above it, Coverage is their share and
	// AnsweredAccuracy their accuracy.
	Threshold        float64 `json:"threshold"`
	Answered         int     `json:"answered"`
	Coverage         float64 `json:"coverage"`
	AnsweredAccuracy float64 `json:"answered_accuracy"`
	// Elapsed is the time the predictions took, one at a time on one
	// goroutine, and TextsPerSecond the rate.
	Elapsed        time.Duration `json:"elapsed_ns"`
	TextsPerSecond float64       `json:"texts_per_second"`
}

// ClassScores are one class's scores. Support is the number of test
// examples of the class, Predicted the number predicted as it.
type ClassScores struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"`
	Predicted int     `json:"predicted"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Bin is one row of a reliability table: the predictions whose confidence
// lies in [Lower, Upper), their number, mean confidence and accuracy.
type Bin struct {
	Lower          float64 `json:"lower"`
	Upper          float64 `json:"upper"`
	Count          int     `json:"count"`
	MeanConfidence float64 `json:"mean_confidence"`
	Accuracy       float64 `json:"accuracy"`
}

// Evaluate predicts every test example with m, one at a time, and scores
// the predictions. Labels the model does not know count as errors.
func Evaluate(m *Model, test []Example) Report {
	gold := make([]string, len(test))
	predicted := make([]string, len(test))
	outcomes := make([]outcome, len(test))
	answered := make([]bool, len(test))
	start := time.Now()
	for i, e := range test {
		p := m.Predict(e.Text, e.Dense)
		predicted[i] = p.Label
		outcomes[i] = outcome{conf: p.Confidence, correct: p.Label == e.Label}
		answered[i] = !p.Abstain
	}
	elapsed := time.Since(start)
	for i, e := range test {
		gold[i] = e.Label
	}
	r := Report{Examples: len(test), Threshold: m.threshold, Elapsed: elapsed}
	if elapsed > 0 {
		r.TextsPerSecond = float64(len(test)) / elapsed.Seconds()
	}
	r.Accuracy, r.MacroF1, r.Classes = classScores(gold, predicted)
	r.Reliability, r.ECE = reliability(outcomes, 10)
	var right int
	for i, o := range outcomes {
		if answered[i] {
			r.Answered++
			if o.correct {
				right++
			}
		}
	}
	if len(test) > 0 {
		r.Coverage = float64(r.Answered) / float64(len(test))
	}
	if r.Answered > 0 {
		r.AnsweredAccuracy = float64(right) / float64(r.Answered)
	}
	return r
}

// classScores returns accuracy, macro-F1 and per-class scores over the
// classes in gold or predicted.
func classScores(gold, predicted []string) (acc, macroF1 float64, classes []ClassScores) {
	byLabel := map[string]*ClassScores{}
	get := func(l string) *ClassScores {
		c, ok := byLabel[l]
		if !ok {
			c = &ClassScores{Label: l}
			byLabel[l] = c
		}
		return c
	}
	tp := map[string]int{}
	right := 0
	for i, g := range gold {
		get(g).Support++
		get(predicted[i]).Predicted++
		if g == predicted[i] {
			tp[g]++
			right++
		}
	}
	for l, c := range byLabel {
		if c.Predicted > 0 {
			c.Precision = float64(tp[l]) / float64(c.Predicted)
		}
		if c.Support > 0 {
			c.Recall = float64(tp[l]) / float64(c.Support)
		}
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		classes = append(classes, *c)
		macroF1 += c.F1
	}
	slices.SortFunc(classes, func(a, b ClassScores) int { return cmp.Compare(a.Label, b.Label) })
	if len(classes) > 0 {
		macroF1 /= float64(len(classes))
	}
	if len(gold) > 0 {
		acc = float64(right) / float64(len(gold))
	}
	return acc, macroF1, classes
}

// reliability bins outcomes by confidence into n equal-width bins and
// returns the table and the expected calibration error.
func reliability(outcomes []outcome, n int) ([]Bin, float64) {
	bins := make([]Bin, n)
	right := make([]int, n)
	for i := range bins {
		bins[i].Lower, bins[i].Upper = float64(i)/float64(n), float64(i+1)/float64(n)
	}
	for _, o := range outcomes {
		i := min(int(o.conf*float64(n)), n-1)
		bins[i].Count++
		bins[i].MeanConfidence += o.conf
		if o.correct {
			right[i]++
		}
	}
	var ece float64
	for i := range bins {
		b := &bins[i]
		if b.Count == 0 {
			continue
		}
		b.MeanConfidence /= float64(b.Count)
		b.Accuracy = float64(right[i]) / float64(b.Count)
		d := b.Accuracy - b.MeanConfidence
		if d < 0 {
			d = -d
		}
		ece += d * float64(b.Count)
	}
	if len(outcomes) > 0 {
		ece /= float64(len(outcomes))
	}
	return bins, ece
}

// Format writes the report as text: the summary, the per-class table and
// the reliability table. It returns the first write error.
func (r Report) Format(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "examples\t%d\n", r.Examples)
	fmt.Fprintf(tw, "accuracy\t%.4f\n", r.Accuracy)
	fmt.Fprintf(tw, "macro-F1\t%.4f\n", r.MacroF1)
	fmt.Fprintf(tw, "ECE\t%.4f\n", r.ECE)
	fmt.Fprintf(tw, "abstain threshold\t%.3f\n", r.Threshold)
	fmt.Fprintf(tw, "answered\t%d (%.1f%%), accuracy %.4f\n", r.Answered, 100*r.Coverage, r.AnsweredAccuracy)
	fmt.Fprintf(tw, "prediction\t%.0f texts/s (%s on one goroutine)\n", r.TextsPerSecond, r.Elapsed.Round(time.Microsecond))
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "class\tsupport\tpredicted\tprecision\trecall\tF1")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%7d\t%9d\t%9.3f\t%6.3f\t%5.3f\n", c.Label, c.Support, c.Predicted, c.Precision, c.Recall, c.F1)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "confidence\tcount\tmean confidence\taccuracy\tgap")
	for _, b := range r.Reliability {
		if b.Count == 0 {
			fmt.Fprintf(tw, "%.1f-%.1f\t%5d\t%15s\t%8s\t%6s\n", b.Lower, b.Upper, 0, "-", "-", "-")
			continue
		}
		fmt.Fprintf(tw, "%.1f-%.1f\t%5d\t%15.3f\t%8.3f\t%+6.3f\n", b.Lower, b.Upper, b.Count, b.MeanConfidence, b.Accuracy, b.Accuracy-b.MeanConfidence)
	}
	return tw.Flush()
}

// OpenReport scores a model on requests of known classes and on requests
// of none (unknown): what it should answer and what it should withhold.
type OpenReport struct {
	// InScopeAccuracy is the share of known requests answered and right:
	// an abstention counts as an error.
	InScopeAccuracy float64 `json:"in_scope_accuracy"`
	// UnknownRecall is the share of unknown requests abstained on.
	UnknownRecall float64 `json:"unknown_recall"`
	// AUROC is the probability that a known request gets a higher
	// confidence than an unknown one (ties count half): how well
	// confidence tells them apart, whatever the threshold.
	AUROC float64 `json:"auroc"`
}

// EvaluateOpen scores m on known examples (labelled with classes it was
// trained on) and unknown ones (their labels ignored).
func EvaluateOpen(m *Model, known, unknown []Example) OpenReport {
	var r OpenReport
	in := make([]float64, len(known))
	for i, e := range known {
		p := m.Predict(e.Text, e.Dense)
		in[i] = p.Support
		if !p.Abstain && p.Label == e.Label {
			r.InScopeAccuracy++
		}
	}
	out := make([]float64, len(unknown))
	for i, e := range unknown {
		p := m.Predict(e.Text, e.Dense)
		out[i] = p.Support
		if p.Abstain {
			r.UnknownRecall++
		}
	}
	if len(known) > 0 {
		r.InScopeAccuracy /= float64(len(known))
	}
	if len(unknown) > 0 {
		r.UnknownRecall /= float64(len(unknown))
	}
	r.AUROC = auroc(in, out)
	return r
}

// auroc returns the probability that a score of pos exceeds one of neg,
// ties counting half; 0 when either is empty.
func auroc(pos, neg []float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return 0
	}
	neg = slices.Clone(neg)
	slices.Sort(neg)
	var sum float64
	for _, x := range pos {
		below, _ := slices.BinarySearch(neg, x) // neg < x
		above := below
		for above < len(neg) && neg[above] == x {
			above++
		}
		sum += float64(below) + float64(above-below)/2
	}
	return sum / float64(len(pos)*len(neg))
}

// Format prints the report as three lines a script can read.
func (r OpenReport) Format(w io.Writer) error {
	_, err := fmt.Fprintf(w, "in-scope accuracy %.4f\nunknown recall %.4f\nAUROC %.4f\n", r.InScopeAccuracy, r.UnknownRecall, r.AUROC)
	return err
}
