package api

import (
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// FuzzBrowserToken feeds the browser-token parser, verifier and claims
// anything: they must never panic, and what verifies under the fuzz key
// must be a browser token naming a key.
func FuzzBrowserToken(f *testing.F) {
	const secret = "sk_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfu"
	key := models.APIKey{ID: "key_fuzz", Role: models.RolePortal, Portal: models.PortalCustomer, TokenKey: TokenSigningKey(secret)}
	now := time.Unix(1_800_000_000, 0)
	good, err := MintToken(key.ID, secret, TokenClaims{Subject: "ann", Products: []string{"cams"}, ExpiresAt: now.Add(time.Hour).Unix()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(strings.Repeat(".", 3))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := parseBrowserToken(tok)
		if err != nil {
			return
		}
		if p.verify(key, now) != nil {
			return
		}
		if !isBrowserToken(tok) || p.kid == "" {
			t.Fatalf("verified %q, which is not a browser token", tok)
		}
		var pr models.Principal
		_ = p.claims.narrow(key, &pr)
	})
}
