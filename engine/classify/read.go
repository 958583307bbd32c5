package classify

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxBadLines is how many bad lines ReadExamples names before summing up.
const maxBadLines = 10

// ReadExamples reads labelled examples from a CSV file with a header row
// (".csv") or a JSON Lines file of objects (".jsonl", ".ndjson", ".json";
// any other name is sniffed: a first byte '{' means JSON Lines). The text of
// an example is the textCols fields joined by a newline, empty ones left
// out (e.g. "subject", "body"); the label is labelCol.
//
// It returns an error if a column is missing from the CSV header, and
// otherwise reads the whole file and returns one error naming every bad
// line (up to ten, then a count): invalid JSON, a field that is not a
// string, a wrong number of CSV fields, or an empty label. Blank lines of
// a JSON Lines file are skipped.
func ReadExamples(path string, textCols []string, labelCol string) ([]Example, error) {
	if len(textCols) == 0 || labelCol == "" {
		return nil, errors.New("classify: read examples: need at least one text column and a label column")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("classify: read examples: %w", err)
	}
	var examples []Example
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		examples, err = readCSV(data, textCols, labelCol)
	case ".jsonl", ".ndjson", ".json":
		examples, err = readJSONL(data, textCols, labelCol)
	default:
		if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
			examples, err = readJSONL(data, textCols, labelCol)
		} else {
			examples, err = readCSV(data, textCols, labelCol)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("classify: read examples from %s: %w", path, err)
	}
	return examples, nil
}

// badLines collects line errors.
type badLines struct {
	errs  []error
	count int
}

func (b *badLines) add(line int, format string, args ...any) {
	b.count++
	if len(b.errs) < maxBadLines {
		b.errs = append(b.errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
	}
}

func (b *badLines) err() error {
	if b.count == 0 {
		return nil
	}
	errs := b.errs
	if b.count > len(errs) {
		errs = append(errs, fmt.Errorf("and %d more bad lines", b.count-len(errs)))
	}
	return errors.Join(errs...)
}

func joinText(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p)
	}
	return b.String()
}

func readCSV(data []byte, textCols []string, labelCol string) ([]Example, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("empty file, want a header row")
	} else if err != nil {
		return nil, err
	}
	colOf := map[string]int{}
	for i, h := range header {
		colOf[strings.TrimSpace(h)] = i
	}
	textIdx := make([]int, len(textCols))
	for i, c := range textCols {
		j, ok := colOf[c]
		if !ok {
			return nil, fmt.Errorf("no column %q in header %q", c, header)
		}
		textIdx[i] = j
	}
	labelIdx, ok := colOf[labelCol]
	if !ok {
		return nil, fmt.Errorf("no column %q in header %q", labelCol, header)
	}
	var out []Example
	var bad badLines
	parts := make([]string, len(textCols))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad.add(pe.StartLine, "%v", pe.Err)
				continue
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(header) {
			bad.add(line, "%d fields, header has %d", len(rec), len(header))
			continue
		}
		for i, j := range textIdx {
			parts[i] = rec[j]
		}
		label := strings.TrimSpace(rec[labelIdx])
		if label == "" {
			bad.add(line, "empty label %q", labelCol)
			continue
		}
		out = append(out, Example{Text: joinText(parts), Label: label})
	}
	return out, bad.err()
}

func readJSONL(data []byte, textCols []string, labelCol string) ([]Example, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	var out []Example
	var bad badLines
	parts := make([]string, len(textCols))
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			bad.add(line, "invalid JSON object: %v", err)
			continue
		}
		str := func(key string) (string, bool) {
			v, ok := obj[key]
			if !ok || string(v) == "null" {
				return "", true
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				bad.add(line, "field %q is not a string", key)
				return "", false
			}
			return s, true
		}
		good := true
		for i, c := range textCols {
			var ok bool
			parts[i], ok = str(c)
			good = good && ok
		}
		label, ok := str(labelCol)
		if !good || !ok {
			continue
		}
		if label = strings.TrimSpace(label); label == "" {
			bad.add(line, "no label %q", labelCol)
			continue
		}
		out = append(out, Example{Text: joinText(parts), Label: label})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, bad.err()
}
