package models_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/siftdesk/sift/models"
)

// TestExplainJSON checks that a type error names the member as JSON
// spells it, not through the Go structs embedded on the way, and says
// what it wants in JSON's words, not Go's.
func TestExplainJSON(t *testing.T) {
	type Embedded struct {
		Explain bool `json:"explain"`
	}
	type request struct {
		Embedded
		Views int64             `json:"views"`
		Tags  []string          `json:"tags"`
		Extra map[string]string `json:"extra"`
	}
	cases := []struct{ body, field, detail string }{
		{`{"explain": "yes"}`, "explain", "want true or false, got a JSON string"},
		{`{"views": "12"}`, "views", "want an integer, got a JSON string"},
		{`{"tags": "a"}`, "tags", "want an array, got a JSON string"},
		{`{"extra": []}`, "extra", "want an object, got a JSON array"},
	}
	for _, c := range cases {
		var r request
		err := models.ExplainJSON(json.Unmarshal([]byte(c.body), &r))
		var e *models.Error
		if !errors.As(err, &e) || e.Field != c.field || !strings.Contains(err.Error(), c.detail) {
			t.Errorf("%s: %v (field %q), want field %q and %q", c.body, err, fieldOf(e), c.field, c.detail)
		}
	}
}

func fieldOf(e *models.Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}
