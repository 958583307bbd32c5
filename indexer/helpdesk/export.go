package helpdesk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siftdesk/sift/models"
)

// Record is one document read from an export: its upsert or delete, or
// why it could not be read. Source and Line locate it: Line is the line a
// record of JSON Lines or CSV starts on, and 0 for a record inside a list
// of a JSON document, whose Source then names the list and the index
// ("tickets.json: tickets[12]"). It has the fields of indexer.Record, so
// that one converts to the other.
type Record struct {
	Source string
	Line   int
	Change models.Change
	Err    error
}

// Object is one JSON object of a help desk's export or API: its members
// by name, as they were written.
type Object map[string]json.RawMessage

// Item is one record of an export: the list it belongs to (such as
// "articles" or "sections"), the record, and where it was read.
type Item struct {
	List   string
	Object Object
	Source string
	Line   int
}

// Record returns a record of the item with change c, or err.
func (it Item) Record(c models.Change, err error) Record {
	return Record{Source: it.Source, Line: it.Line, Change: c, Err: err}
}

// MaxExportBytes bounds one export file: exports are read whole, so that
// side-loaded records (sections, users, groups) can come after the
// records that name them.
const MaxExportBytes = 1 << 30

// ReadExport reads a help desk's export file and returns its records in
// order. The file holds JSON (one document, or API pages saved one after
// another, or JSON Lines with one record a line) or, with a .csv
// extension, CSV with a header row. A JSON object with a member named in
// lists that is an array (or null, an empty list) is a page: each element of those arrays is a record of
// that list, and its other members are ignored. A JSON array holds
// records; any other object is a record. guess names the list of a record
// that no page names. A value that is not JSON is reported as an item
// with a nil Object: its Source and Line say where, and its List the
// problem.
func ReadExport(ctx context.Context, path string, lists []string, guess func(Object) string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxExportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxExportBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes", path, MaxExportBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return readCSV(ctx, path, data, guess)
	}
	return readJSON(ctx, path, data, lists, guess)
}

// Bad is the List of an item that could not be read; its Source and
// Line say where, and Err (in Object["error"]) why.
const Bad = "\x00bad"

func readJSON(ctx context.Context, path string, data []byte, lists []string, guess func(Object) string) ([]Item, error) {
	var items []Item
	dec := json.NewDecoder(bytes.NewReader(data))
	// line is the line of data[counted]: each value's line is counted on
	// from the last one's, not from the start of the file again.
	line, counted := 1, 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := dec.InputOffset()
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		at := valueStart(data, start)
		line += bytes.Count(data[counted:at], []byte("\n"))
		counted = at
		if err != nil {
			// The rest of the file cannot be told apart into values.
			msg, _ := json.Marshal(models.ExplainJSON(err).Error())
			return append(items, Item{List: Bad, Object: Object{"error": msg}, Source: path, Line: line}), nil
		}
		items = append(items, splitValue(path, line, v, lists, guess)...)
	}
}

// splitValue turns one top-level JSON value into its records.
func splitValue(path string, line int, v json.RawMessage, lists []string, guess func(Object) string) []Item {
	bad := func(msg string) []Item {
		m, _ := json.Marshal(msg)
		return []Item{{List: Bad, Object: Object{"error": m}, Source: path, Line: line}}
	}
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var arr []Object
		if err := json.Unmarshal(v, &arr); err != nil {
			return bad("want an array of objects: " + models.ExplainJSON(err).Error())
		}
		out := make([]Item, 0, len(arr))
		for i, o := range arr {
			out = append(out, Item{List: guess(o), Object: o, Source: fmt.Sprintf("%s:%d: [%d]", path, line, i)})
		}
		return out
	}
	var obj Object
	if err := json.Unmarshal(v, &obj); err != nil {
		return bad("want a JSON object or array: " + models.ExplainJSON(err).Error())
	}
	var out []Item
	page := false
	for _, name := range lists {
		raw, ok := obj[name]
		if !ok || len(raw) == 0 || raw[0] != '[' && string(raw) != "null" {
			continue
		}
		var arr []Object
		if err := json.Unmarshal(raw, &arr); err != nil {
			return bad(fmt.Sprintf("%s: want an array of objects: %v", name, models.ExplainJSON(err)))
		}
		page = true
		for i, o := range arr {
			out = append(out, Item{List: name, Object: o, Source: fmt.Sprintf("%s:%d: %s[%d]", path, line, name, i)})
		}
	}
	if !page {
		out = append(out, Item{List: guess(obj), Object: obj, Source: path, Line: line})
	}
	return out
}

// valueStart returns the index of the first non-space byte at or after
// offset, or len(data).
func valueStart(data []byte, offset int64) int {
	i := int(offset)
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return min(i, len(data))
}

// readCSV reads CSV with a header row: each row is a record whose members
// are the row's non-empty cells, as strings, named by the header.
func readCSV(ctx context.Context, path string, data []byte, guess func(Object) string) ([]Item, error) {
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s: header row: %w", path, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	var items []Item
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			msg, _ := json.Marshal("malformed CSV: " + perr.Err.Error())
			items = append(items, Item{List: Bad, Object: Object{"error": msg}, Source: path, Line: perr.StartLine})
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) != len(header) {
			msg, _ := json.Marshal(fmt.Sprintf("has %d columns, the header has %d", len(row), len(header)))
			items = append(items, Item{List: Bad, Object: Object{"error": msg}, Source: path, Line: line})
			continue
		}
		obj := Object{}
		for i, name := range header {
			if v := strings.TrimSpace(row[i]); v != "" && name != "" {
				obj[name], _ = json.Marshal(v)
			}
		}
		items = append(items, Item{List: guess(obj), Object: obj, Source: path, Line: line})
	}
}

// BadItem returns the record of an item that could not be read (List is
// Bad).
func BadItem(it Item) Record {
	return it.Record(models.Change{}, models.Invalid("", "%s", it.Object.String("error")))
}

// Has reports whether the object has member name, null or not.
func (o Object) Has(name string) bool {
	_, ok := o[name]
	return ok
}

// String returns member name as text: a string as it is, a number or a
// boolean as written, and "" for null, a missing member, an array or an
// object.
func (o Object) String(name string) string {
	raw := bytes.TrimSpace(o[name])
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	case '{', '[', 'n':
		return ""
	}
	return string(raw)
}

// Int returns member name as an integer (a number, or a string holding
// one), and whether it is one.
func (o Object) Int(name string) (int64, bool) {
	n, err := strconv.ParseInt(o.String(name), 10, 64)
	return n, err == nil
}

// Bool returns member name as a boolean: true for true or "true".
func (o Object) Bool(name string) bool {
	return o.String(name) == "true"
}

// Object returns member name as an object, or nil when it is not one.
func (o Object) Object(name string) Object {
	var obj Object
	if raw := bytes.TrimSpace(o[name]); len(raw) > 0 && raw[0] == '{' {
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
	}
	return obj
}

// Objects returns member name as an array of objects; elements that are
// not objects are left out.
func (o Object) Objects(name string) []Object {
	var raws []json.RawMessage
	if json.Unmarshal(o[name], &raws) != nil {
		return nil
	}
	var out []Object
	for _, r := range raws {
		var obj Object
		if json.Unmarshal(r, &obj) == nil && obj != nil {
			out = append(out, obj)
		}
	}
	return out
}

// Strings returns member name as a list of texts: the elements of an
// array (see String), or a string split at commas.
func (o Object) Strings(name string) []string {
	var raws []json.RawMessage
	if json.Unmarshal(o[name], &raws) != nil {
		return SplitList(o.String(name))
	}
	elem := Object{}
	out := make([]string, 0, len(raws))
	for _, r := range raws {
		elem["v"] = r
		if s := elem.String("v"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// SplitList splits a list written as text at commas, dropping empty
// elements and the spaces around each.
func SplitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Time returns member name as a time in one of layouts (UTC when the
// layout has no zone), the zero time when the member is empty, or an
// error naming the member.
func (o Object) Time(name string, layouts ...string) (time.Time, error) {
	s := o.String(name)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, models.Invalid(name, "want a time such as %s, got %q", time.Date(2024, 1, 31, 9, 0, 0, 0, time.UTC).Format(layouts[0]), s)
}

// Lookups holds side-loaded records by list name, then by id.
type Lookups map[string]Lookup

// NewLookups returns empty lookups for lists.
func NewLookups(lists ...string) Lookups {
	l := Lookups{}
	for _, name := range lists {
		l[name] = Lookup{}
	}
	return l
}

// Remember keeps obj when list is one of l's, and reports whether it is:
// the Remember of a Desk that side-loads those lists.
func (l Lookups) Remember(list string, obj Object) bool {
	if l[list] == nil {
		return false
	}
	l[list].Add(obj)
	return true
}

// Lookup holds side-loaded records by id: sections, users, groups,
// organisations, whatever records of a document name by id.
type Lookup map[string]Object

// Add keeps obj under its "id" member.
func (l Lookup) Add(obj Object) {
	if id := obj.String("id"); id != "" {
		l[id] = obj
	}
}

// Name returns the name of the record with id, or "" when there is none.
func (l Lookup) Name(id string) string {
	if id == "" {
		return ""
	}
	return l[id].String("name")
}

// Keep normalises doc (a *models.Article or a *models.Ticket, whose Extra
// is still empty) and returns the Extra to give it: every member of obj
// that doc does not already hold unchanged, each under prefix and its
// name, so that a document written back (sift export) still has every
// field of the source record. same maps a source member to the Sift field
// it was copied to; a member is left out only when that field, after
// normalisation, has the very same JSON value.
func Keep(doc interface{ Normalize() }, prefix string, obj Object, same map[string]string) (models.Extra, error) {
	doc.Normalize()
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	return keep(prefix, obj, same, fields), nil
}

func keep(prefix string, obj Object, same map[string]string, fields map[string]json.RawMessage) models.Extra {
	out := models.Extra{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if f, ok := same[k]; ok && jsonEqual(obj[k], fields[f]) {
			continue
		}
		out[prefix+k] = compact(obj[k])
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// compact returns raw as json.Marshal would write it, so that a document
// read back from its own encoding is equal to the one written.
func compact(raw json.RawMessage) json.RawMessage {
	var c, e bytes.Buffer
	if json.Compact(&c, raw) != nil {
		b, _ := json.Marshal(string(raw))
		return b
	}
	json.HTMLEscape(&e, c.Bytes())
	return e.Bytes()
}

// jsonEqual reports whether two JSON values are equal as values.
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
