// Package models holds Sift's domain: articles, tickets, portals and the
// values that flow between the indexer, the engine and the API. It does no
// I/O and imports only the standard library.
package models

import (
	"errors"
	"fmt"
)

// Error codes carried by *Error. The API maps each to one HTTP status.
const (
	CodeInvalid      = "invalid"      // the caller sent something malformed or out of bounds
	CodeNotFound     = "not_found"    // the named document does not exist (or is not visible)
	CodeConflict     = "conflict"     // the write conflicts with the current state
	CodeForbidden    = "forbidden"    // the caller may not do this
	CodeUnauthorized = "unauthorized" // no valid API key: missing, unknown or revoked
	CodeRateLimited  = "rate_limited" // the key's request rate is over its limit; retry later
	CodeGone         = "gone"         // the thing existed and is no longer valid (an expired or revoked link)
	CodeUnavailable  = "unavailable"  // a dependency is down; retry later
	CodeTooLarge     = "too_large"    // a body or batch exceeds a documented limit
	CodeInternal     = "internal"     // anything else; details go to the log, not the caller
)

// Sentinel errors for errors.Is checks. Every *Error with the matching code
// reports true for errors.Is(err, ErrX).
var (
	ErrInvalid      = &Error{Code: CodeInvalid, Message: "invalid request"}
	ErrNotFound     = &Error{Code: CodeNotFound, Message: "not found"}
	ErrConflict     = &Error{Code: CodeConflict, Message: "conflict"}
	ErrForbidden    = &Error{Code: CodeForbidden, Message: "forbidden"}
	ErrUnauthorized = &Error{Code: CodeUnauthorized, Message: "unauthorized"}
	ErrRateLimited  = &Error{Code: CodeRateLimited, Message: "rate limited"}
	ErrGone         = &Error{Code: CodeGone, Message: "gone"}
	ErrUnavailable  = &Error{Code: CodeUnavailable, Message: "unavailable"}
	ErrTooLarge     = &Error{Code: CodeTooLarge, Message: "too large"}
)

// Error is an application error: a machine-readable code, a message a user
// can act on, and optionally the field it concerns.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, models.ErrNotFound) matches any not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Invalid returns a CodeInvalid error about field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a CodeNotFound error naming what was missing.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns a CodeConflict error about field: the write conflicts
// with what is stored.
func Conflict(field, format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns a CodeForbidden error about field (which may be
// empty): the caller is known and may not do this.
func Forbidden(field, format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized returns a CodeUnauthorized error: the request carries no
// valid API key.
func Unauthorized(format string, args ...any) *Error {
	return &Error{Code: CodeUnauthorized, Message: fmt.Sprintf(format, args...)}
}

// Gone returns a CodeGone error naming what is no longer valid.
func Gone(format string, args ...any) *Error {
	return &Error{Code: CodeGone, Message: fmt.Sprintf(format, args...)}
}

// TooLarge returns a CodeTooLarge error about field.
func TooLarge(field, format string, args ...any) *Error {
	return &Error{Code: CodeTooLarge, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none. A nil error has no code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
