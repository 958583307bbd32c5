package helpdesk

import (
	"errors"
	"net/http"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestCheckSecret(t *testing.T) {
	for _, tc := range []struct {
		sent string
		ok   bool
	}{{"s3cret", true}, {"", false}, {"s3cre", false}, {"s3cret ", false}} {
		h := http.Header{}
		if tc.sent != "" {
			h.Set(SecretHeader, tc.sent)
		}
		err := CheckSecret(h, []byte("s3cret"))
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, models.ErrUnauthorized) {
			t.Errorf("CheckSecret(%q) = %v, want ok %v", tc.sent, err, tc.ok)
		}
	}
}
