package indexer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/siftdesk/sift/models"
)

// MaxLineBytes bounds one JSON Lines line or CSV record. Longer lines are
// reported and skipped.
const MaxLineBytes = 1 << 20

// Record is one document read from a source: its upsert, or why it could
// not be read. Source and Line locate it for error messages.
type Record struct {
	Source string
	Line   int // 1-based; 0 for a whole Markdown file
	Change models.Change
	Err    error
}

// Location returns "file:line" or "file".
func (r Record) Location() string {
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d", r.Source, r.Line)
	}
	return r.Source
}

// ReadSource reads the file or folder at path and calls fn with each record
// in order. A folder is read as Markdown articles (*.md, recursively);
// files by extension: .jsonl/.ndjson/.json as JSON Lines, .csv as CSV with a
// header row, .md as one Markdown article. kind forces the document kind of
// JSON Lines and CSV records; empty means guess per record. It returns an
// error only when the source cannot be read at all or fn fails.
func ReadSource(ctx context.Context, path string, kind models.Kind, fn func(Record) error) error {
	format, err := CheckSource(path)
	if err != nil {
		return err
	}
	if format == formatMarkdownDir {
		return readMarkdownDir(ctx, path, fn)
	}
	f, err := openSource(ctx, path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	switch format {
	case formatJSONLines:
		return readJSONLines(ctx, path, f, kind, fn)
	case formatCSV:
		return readCSV(ctx, path, f, kind, fn)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxLineBytes+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return fn(markdownRecord(path, data))
}

// skipBOM drops a UTF-8 byte order mark at the start of br, if there is
// one.
func skipBOM(br *bufio.Reader) {
	if bom, _ := br.Peek(len("\ufeff")); string(bom) == "\ufeff" {
		br.Discard(len(bom))
	}
}

// oldMacLines reads through to r with every carriage return that no line
// feed follows turned into a line feed: a file saved with old Mac line
// endings has no other, and csv.Reader would read it as one row.
type oldMacLines struct{ r *bufio.Reader }

func (o oldMacLines) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	for i := range n {
		if p[i] != '\r' {
			continue
		}
		if i+1 < n {
			if p[i+1] != '\n' {
				p[i] = '\n'
			}
		} else if next, peekErr := o.r.Peek(1); peekErr != nil || next[0] != '\n' {
			p[i] = '\n'
		}
	}
	return n, err
}

// openSource opens path, giving up when ctx ends: opening a named pipe
// waits for a writer, and must not outlast a signal. The file is closed
// if it opens after that.
func openSource(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// Source formats, as CheckSource names them.
const (
	formatJSONLines   = "jsonl"
	formatCSV         = "csv"
	formatMarkdown    = "markdown"
	formatMarkdownDir = "markdown folder"
)

// CheckSource reports the format of the source at path, or why it cannot
// be read, without reading it: a run checks every source before writing
// anything.
func CheckSource(path string) (format string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if info.IsDir() {
		return formatMarkdownDir, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		return formatJSONLines, nil
	case ".csv":
		return formatCSV, nil
	case ".md", ".markdown":
		return formatMarkdown, nil
	}
	return "", fmt.Errorf("read %s: unknown format %q: use .jsonl, .csv, .md or a folder of .md files", path, filepath.Ext(path))
}

// readJSONLines reads one JSON object per line; blank lines are skipped.
func readJSONLines(ctx context.Context, path string, r io.Reader, kind models.Kind, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	skipBOM(br) // or the first record is malformed JSON, and lost
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s:%d: %w", path, line, err)
		}
		rec := Record{Source: path, Line: line}
		switch {
		case tooLong:
			rec.Err = models.TooLarge("", "line is longer than %d bytes", MaxLineBytes)
		case len(bytes.TrimSpace(data)) == 0:
			rec.Err = errSkip
		default:
			rec.Change, rec.Err = decodeRecord(data, kind)
		}
		if rec.Err != errSkip {
			if ferr := fn(rec); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// errSkip marks a blank line, which is not a record.
var errSkip = errors.New("blank line")

// readLine reads up to and without the next newline. Lines longer than
// MaxLineBytes, not counting the "\n" or "\r\n" that ends them, are
// consumed and reported as tooLong.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes+len("\r\n") {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimRight(buf, "\r\n")
		return line, tooLong || len(line) > MaxLineBytes, err
	}
}

// readCSV reads CSV with a header row naming the fields. A "tags" or
// "products" cell holds values separated by ";" or "|"; "views" and "count"
// are numbers; other columns are strings.
func readCSV(ctx context.Context, path string, r io.Reader, kind models.Kind, fn func(Record) error) error {
	// Skip a byte order mark: csv.Reader would take it for part of the
	// first cell and reject a quoted first header.
	br := bufio.NewReader(r)
	skipBOM(br)
	cr := csv.NewReader(oldMacLines{br})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("read %s: header row: %w", path, err)
	}
	seen := map[string]int{}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
		if j, twice := seen[header[i]]; twice {
			return fmt.Errorf("read %s: header row: column %q is both column %d and column %d", path, header[i], j+1, i+1)
		}
		seen[header[i]] = i
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var perr *csv.ParseError
		if err != nil && !errors.As(err, &perr) {
			return fmt.Errorf("read %s: %w", path, err)
		}
		rec := Record{Source: path}
		switch {
		case perr != nil:
			// FieldPos panics after a parse error; the error has the line.
			rec.Line = perr.StartLine
			rec.Err = models.Invalid("", "malformed CSV: %v", err)
		case len(row) != len(header):
			rec.Line, _ = cr.FieldPos(0)
			rec.Err = models.Invalid("", "has %d columns, the header has %d", len(row), len(header))
		default:
			rec.Line, _ = cr.FieldPos(0)
			rec.Change, rec.Err = decodeRecord(csvObject(header, row), kind)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// csvObject turns a CSV row into the JSON object of the same record.
func csvObject(header, row []string) []byte {
	obj := make(map[string]any, len(header))
	for i, name := range header {
		v := strings.TrimSpace(row[i])
		if v == "" {
			continue
		}
		switch name {
		case "tags", "products", "tiers":
			obj[name] = strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' })
		case "views", "count":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				obj[name] = n
			} else {
				obj[name] = v // decoding reports the field
			}
		default:
			obj[name] = v
		}
	}
	data, _ := json.Marshal(obj) // strings, numbers and string lists always encode
	return data
}

// readMarkdownDir reads every .md file under dir as an article, in lexical
// order.
func readMarkdownDir(ctx context.Context, dir string, fn func(Record) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		ext := strings.ToLower(filepath.Ext(path))
		if d.IsDir() || ext != ".md" && ext != ".markdown" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		return fn(markdownRecord(path, data))
	})
}

// markdownRecord reads an article from Markdown with optional YAML front
// matter between "---" lines. Front matter holds the article's fields; the
// rest is the body. Without an id, the file name (less extension) is used.
func markdownRecord(path string, data []byte) Record {
	rec := Record{Source: path}
	if len(data) > MaxLineBytes {
		rec.Err = models.TooLarge("", "file is larger than %d bytes", MaxLineBytes)
		return rec
	}
	meta, body, err := splitFrontMatter(data)
	if err != nil {
		rec.Err = err
		return rec
	}
	if _, ok := meta["id"]; !ok {
		meta["id"] = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	meta["body"] = strings.TrimSpace(string(body))
	obj, err := json.Marshal(jsonable(meta))
	if err != nil {
		rec.Err = models.Invalid("", "front matter: %v", err)
		return rec
	}
	rec.Change, rec.Err = decodeRecord(obj, models.KindArticle)
	return rec
}

func splitFrontMatter(data []byte) (map[string]any, []byte, error) {
	meta := map[string]any{}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	rest, ok := bytes.CutPrefix(data, []byte("---\n"))
	if !ok {
		rest, ok = bytes.CutPrefix(data, []byte("---\r\n"))
	}
	if !ok {
		return meta, data, nil
	}
	var front, body []byte
	switch end := bytes.Index(rest, []byte("\n---")); {
	case bytes.HasPrefix(rest, []byte("---")): // empty front matter
		body = rest[len("---"):]
	case end >= 0:
		front, body = rest[:end], rest[end+len("\n---"):]
	default:
		return nil, nil, models.Invalid("", "front matter starts with --- but never ends")
	}
	if err := yaml.Unmarshal(front, &meta); err != nil {
		return nil, nil, models.Invalid("", "front matter: %s", fileLines(err.Error(), 1))
	}
	if meta == nil {
		meta = map[string]any{}
	}
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		body = body[i+1:]
	} else {
		body = nil
	}
	return meta, body, nil
}

// yamlLine finds the line numbers in a YAML parser's message.
var yamlLine = regexp.MustCompile(`\bline (\d+)`)

// fileLines rewrites the line numbers of a YAML message, counted from the
// start of the front matter, as lines of the file: offset lines come
// before it (the opening ---).
func fileLines(msg string, offset int) string {
	return yamlLine.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(strings.TrimPrefix(m, "line "))
		if err != nil {
			return m
		}
		return "line " + strconv.Itoa(n+offset)
	})
}

// jsonable converts YAML values to ones encoding/json accepts: dates to
// RFC 3339 strings, and map keys to strings.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
		return v
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return v
}
