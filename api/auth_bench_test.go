package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// BenchmarkAuthentication measures what the key check costs a request:
// an open route (/healthz), a request refused at once for want of a key
// (401), and one that passes the whole chain (hash, store lookup,
// constant-time compare, rate limiter, role table) to be refused by the
// role table (403), so no handler work is counted. The third minus the
// first is the middleware's overhead.
func BenchmarkAuthentication(b *testing.B) {
	s, closeAll, err := openServer(b.Context(), b.TempDir(), api.Config{RateLimit: 1e9, RateBurst: 1 << 30}, b.Output())
	if err != nil {
		b.Fatal(err)
	}
	defer closeAll()
	analyst, err := createKey(s.store, models.RoleAnalyst, "")
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name, target, key string
		status            int
	}{
		{"open", "/healthz", "", http.StatusOK},
		{"no-key", "/v1/suggest?q=a", "", http.StatusUnauthorized},
		{"whole-chain", "/v1/suggest?q=a", analyst, http.StatusForbidden},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.key != "" {
				req.Header.Set("Authorization", "Bearer "+tc.key)
			}
			for b.Loop() {
				rec := httptest.NewRecorder()
				s.handler.ServeHTTP(rec, req)
				if rec.Code != tc.status {
					b.Fatalf("status %d, want %d", rec.Code, tc.status)
				}
			}
		})
	}
}
