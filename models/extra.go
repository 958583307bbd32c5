package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Extra holds the fields of a source record that Sift does not model. They
// are kept and written back unchanged, so no data is lost on a round trip.
type Extra map[string]json.RawMessage

// decodeWithExtra decodes data into known (a pointer to a struct alias with
// json tags) and returns the members whose names are not in knownKeys.
func decodeWithExtra(data []byte, known any, knownKeys []string) (Extra, error) {
	if err := json.Unmarshal(data, known); err != nil {
		return nil, memberError(data, known, err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	// encoding/json matches member names to fields case-insensitively, so
	// "ID" went into the id field and is not an unknown member.
	for k := range all {
		if slices.ContainsFunc(knownKeys, func(known string) bool { return strings.EqualFold(k, known) }) {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	// Keep each value as json.Marshal writes it (compact, with <, > and &
	// escaped), so a document read back from its own encoding is equal.
	for k, v := range all {
		var c, e bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, err
		}
		json.HTMLEscape(&e, c.Bytes())
		all[k] = e.Bytes()
	}
	return Extra(all), nil
}

// memberError names the member behind err when a member's own decoder
// failed (a time that does not parse, say): encoding/json passes such
// errors on without saying where. Type and syntax errors, which already
// say where, are returned unchanged.
func memberError(data []byte, known any, err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	if errors.As(err, &typeErr) || errors.As(err, &syntaxErr) {
		return err
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return err
	}
	typ := reflect.TypeOf(known).Elem()
	for _, k := range slices.Sorted(maps.Keys(members)) {
		one, merr := json.Marshal(map[string]json.RawMessage{k: members[k]})
		if merr != nil {
			continue
		}
		kerr := json.Unmarshal(one, reflect.New(typ).Interface())
		if kerr == nil {
			continue
		}
		var timeErr *time.ParseError
		if errors.As(kerr, &timeErr) {
			return Invalid(k, "want an RFC 3339 time such as 2024-01-31T09:00:00Z, got %q", timeErr.Value)
		}
		return Invalid(k, "%v", kerr)
	}
	return err
}

// encodeWithExtra encodes known and adds the extra members that known does
// not already have, in sorted order, so equal documents encode equally.
func encodeWithExtra(known any, extra Extra) ([]byte, error) {
	b, err := json.Marshal(known)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var have map[string]json.RawMessage
	if err := json.Unmarshal(b, &have); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1]) // drop the closing brace
	first := len(have) == 0
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if _, dup := have[k]; dup {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// dateOnly matches a time member whose value is a date alone
// ("created_at": "2026-01-01"), as ITSM exports often write them.
var dateOnly = regexp.MustCompile(`(?i)("(?:created_at|resolved_at|updated_at)"\s*:\s*")(\d{4}-\d{2}-\d{2})(")`)

// decodeDated decodes as decodeWithExtra does and, when that fails and
// time members hold a date alone, decodes again with those read as that
// day's midnight, UTC: documents as RFC 3339 writes them, nearly all of
// them, pay for no rewrite.
func decodeDated(data []byte, known any, knownKeys []string) (Extra, error) {
	extra, err := decodeWithExtra(data, known, knownKeys)
	if err == nil || !dateOnly.Match(data) {
		return extra, err
	}
	return decodeWithExtra(dateOnly.ReplaceAll(data, []byte("${1}${2}T00:00:00Z${3}")), known, knownKeys)
}
