package models

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// Extra holds the fields of a source record that Sift does not model. They
// are kept and written back unchanged, so no data is lost on a round trip.
type Extra map[string]json.RawMessage

// decodeWithExtra decodes data into known (a pointer to a struct alias with
// json tags) and returns the members whose names are not in knownKeys.
func decodeWithExtra(data []byte, known any, knownKeys []string) (Extra, error) {
	if err := json.Unmarshal(data, known); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for _, k := range knownKeys {
		delete(all, k)
	}
	if len(all) == 0 {
		return nil, nil
	}
	for k, v := range all {
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, err
		}
		all[k] = c.Bytes()
	}
	return Extra(all), nil
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
