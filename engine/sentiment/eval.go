package sentiment

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Example is one labelled text of an evaluation set. In a JSONL file each line is an object
// with at least "text" and "label"; other fields (such as "portal") are ignored.
type Example struct {
	// Text is the message to score.
	Text string `json:"text"`
	// Label is the expected label: "negative", "neutral" or "positive".
	Label string `json:"label"`
}

// ClassReport holds the scores of one label.
type ClassReport struct {
	// Label is the class.
	Label string `json:"label"`
	// Precision is the share of texts predicted as Label that have it (0 when none were).
	Precision float64 `json:"precision"`
	// Recall is the share of texts labelled Label that were predicted so (0 when none are).
	Recall float64 `json:"recall"`
	// F1 is the harmonic mean of Precision and Recall.
	F1 float64 `json:"f1"`
	// Support is the number of texts labelled Label.
	Support int `json:"support"`
}

// Report is the result of scoring a labelled set.
type Report struct {
	// Examples is the number of texts scored.
	Examples int `json:"examples"`
	// Accuracy is the share of texts whose predicted label matches.
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the unweighted mean of the per-class F1 scores.
	MacroF1 float64 `json:"macro_f1"`
	// Classes holds per-class scores in the order of Labels.
	Classes []ClassReport `json:"classes"`
	// Labels orders the rows and columns of Confusion: negative, neutral, positive.
	Labels []string `json:"labels"`
	// Confusion[i][j] counts texts labelled Labels[i] and predicted Labels[j].
	Confusion [][]int `json:"confusion"`
}

// labels is the fixed label order of reports.
var labels = []string{Negative, Neutral, Positive}

// labelIndex returns the position of l in labels, or -1.
func labelIndex(l string) int {
	for i, x := range labels {
		if x == l {
			return i
		}
	}
	return -1
}

// Evaluate scores every example with a and compares its label with the expected one.
func Evaluate(a *Analyzer, examples []Example) Report {
	return EvaluateFunc(examples, func(text string) string { return a.Analyze(text).Label })
}

// EvaluateFunc scores every example with predict, which returns a label for a text, so that
// any scorer (another library, a baseline) can be measured the same way as the Analyzer.
// Examples whose expected label is not one of the three labels are skipped; a predicted
// label outside them counts as wrong and appears in no confusion column.
func EvaluateFunc(examples []Example, predict func(text string) string) Report {
	n := len(labels)
	conf := make([][]int, n)
	for i := range conf {
		conf[i] = make([]int, n)
	}
	support := make([]int, n) // includes predictions outside the three labels
	total, correct := 0, 0
	for _, ex := range examples {
		gi := labelIndex(ex.Label)
		if gi < 0 {
			continue
		}
		total++
		support[gi]++
		got := predict(ex.Text)
		if pi := labelIndex(got); pi >= 0 {
			conf[gi][pi]++
			if pi == gi {
				correct++
			}
		}
	}
	r := Report{Examples: total, Labels: append([]string(nil), labels...), Confusion: conf}
	if total > 0 {
		r.Accuracy = float64(correct) / float64(total)
	}
	for i, l := range labels {
		tp, predicted := conf[i][i], 0
		for j := range n {
			predicted += conf[j][i]
		}
		c := ClassReport{Label: l, Support: support[i]}
		if predicted > 0 {
			c.Precision = float64(tp) / float64(predicted)
		}
		if support[i] > 0 {
			c.Recall = float64(tp) / float64(support[i])
		}
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		r.Classes = append(r.Classes, c)
		r.MacroF1 += c.F1 / float64(n)
	}
	return r
}

// Format writes the report as a readable table: overall accuracy and macro-F1, per-class
// precision, recall, F1 and support, and the confusion matrix (rows expected, columns
// predicted). It returns the first write error.
func (r Report) Format(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "examples\t%d\t\n", r.Examples)
	fmt.Fprintf(tw, "accuracy\t%.3f\t\n", r.Accuracy)
	fmt.Fprintf(tw, "macro-F1\t%.3f\t\n", r.MacroF1)
	fmt.Fprintln(tw, "\t\t")
	fmt.Fprintln(tw, "class\tprecision\trecall\tF1\tsupport\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", c.Label, c.Precision, c.Recall, c.F1, c.Support)
	}
	fmt.Fprintln(tw, "\t\t")
	fmt.Fprintf(tw, "expected \\ predicted\t%s\t\n", strings.Join(r.Labels, "\t"))
	for i, row := range r.Confusion {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = fmt.Sprint(v)
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", r.Labels[i], strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// ReadExamples reads JSON Lines, one example a line, skipping blank lines. It fails on the
// first line that is not a JSON object, has an empty "text", or has a "label" other than
// negative, neutral or positive, naming the line by number (from 1).
func ReadExamples(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var ex Example
		if err := json.Unmarshal([]byte(line), &ex); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if strings.TrimSpace(ex.Text) == "" {
			return nil, fmt.Errorf("line %d: missing \"text\"", n)
		}
		if labelIndex(ex.Label) < 0 {
			return nil, fmt.Errorf("line %d: label %q is not negative, neutral or positive", n, ex.Label)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return out, nil
}
