package models

import (
	"encoding/json"
	"errors"
)

// ExplainJSON rewrites an encoding/json decoding error as an invalid-input
// error that names the field at fault or the byte where the JSON broke.
// Other errors, and nil, are returned unchanged.
func ExplainJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return Invalid(typeErr.Field, "want %s, got a JSON %s", typeErr.Type, typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return Invalid("", "malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	}
	return err
}
