package models

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"unicode"
)

// ExplainJSON rewrites an encoding/json decoding error as an invalid-input
// error that names the field at fault (as JSON spells it) and what it
// wants in JSON's words, or the byte where the JSON broke. Other errors,
// and nil, are returned unchanged.
func ExplainJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return Invalid(jsonField(typeErr.Field), "want %s, got a JSON %s", jsonKind(typeErr.Type), typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return Invalid("", "malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	}
	return err
}

// jsonField drops from encoding/json's path of a field the names of Go
// structs embedded on the way ("Retrieval.explain" is "explain"): JSON
// members here are lower case, Go's embedded type names are not.
func jsonField(path string) string {
	var kept []string
	for _, part := range strings.Split(path, ".") {
		if part != "" && !unicode.IsUpper([]rune(part)[0]) {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, ".")
}

// jsonKind names what a Go type reads from JSON, in JSON's words.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}
