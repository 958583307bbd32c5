package models_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

// FuzzArticleJSON decodes arbitrary bytes as an article; when that works,
// encoding and decoding again must give the same article, and encoding it
// a second time the same bytes.
func FuzzArticleJSON(f *testing.F) {
	for _, seed := range []string{
		`{"id":"kb-1","title":"Reset","body":"**b**","tags":["a","b"],"views":3,"visibility":"internal","updated_at":"2024-01-02T03:04:05+02:00"}`,
		`{"id":"kb-1","title":"T","x":{"b":[1,{"c":null}],"a":"y"},"y":[]}`,
		`{"ID":"a","id":"b","TITLE":"c"}`,
		`{"x":1,"x":2,"id":"a"}`,
		`{"tags":[],"body":"","\u0069d":"esc"}`,
		`null`,
		`{}`,
		`{"id":"a","tags":"x"}`,
		`{"updated_at":null,"views":-0}`,
		`{"a\u0000b":"\ud800","id":"<&>"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a models.Article
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		enc1, err := json.Marshal(a)
		if err != nil {
			// Only a time outside the years 0 to 9999 cannot be encoded,
			// and decoding never produces one.
			t.Fatalf("encode %#v: %v", a, err)
		}
		var b models.Article
		if err := json.Unmarshal(enc1, &b); err != nil {
			t.Fatalf("decode own encoding %s: %v", enc1, err)
		}
		if !sameArticle(a, b) {
			t.Fatalf("round trip changed the article\ninput %q\nfirst  %#v\nsecond %#v\nencoding %s", data, a, b, enc1)
		}
		enc2, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc1, enc2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", enc1, enc2)
		}
	})
}

// sameArticle compares articles as their JSON means them: an empty list
// equals a missing one (both are omitted), and times are equal instants in
// the same offset.
func sameArticle(a, b models.Article) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	_, offA := a.UpdatedAt.Zone()
	_, offB := b.UpdatedAt.Zone()
	if offA != offB {
		return false
	}
	if !slices.Equal(a.Tags, b.Tags) || len(a.Extra) != len(b.Extra) {
		return false
	}
	for k, v := range a.Extra {
		w, ok := b.Extra[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	a.UpdatedAt = b.UpdatedAt
	a.Tags, b.Tags = nil, nil
	a.Extra, b.Extra = nil, nil
	return reflect.DeepEqual(a, b)
}
