package api

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

var fuzzSecret = bytes.Repeat([]byte{7}, MinLinkSecretBytes)

// TestLinkTokenRoundTrip signs a token and parses it back, and checks that
// changing any one character, or the secret, makes it invalid.
func TestLinkTokenRoundTrip(t *testing.T) {
	id := bytes.Repeat([]byte{0xab}, linkIDBytes)
	exp := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tok := signLinkToken(fuzzSecret, id, "T-1", exp)
	c, err := parseLinkToken(fuzzSecret, tok)
	if err != nil || c.LinkID != hex.EncodeToString(id) || c.TicketID != "T-1" || !c.ExpiresAt.Equal(exp) {
		t.Fatalf("parse %q: %+v %v", tok, c, err)
	}
	for i := range tok {
		for _, r := range []byte{'A', '_', '.', '-'} {
			if tok[i] == r {
				continue
			}
			bad := tok[:i] + string(r) + tok[i+1:]
			if _, err := parseLinkToken(fuzzSecret, bad); err == nil {
				t.Errorf("token with byte %d changed to %q still parses", i, r)
			}
		}
	}
	other := bytes.Repeat([]byte{8}, MinLinkSecretBytes)
	if _, err := parseLinkToken(other, tok); err == nil {
		t.Error("a token parses under another secret")
	}
}

// FuzzLinkToken feeds the token parser anything: it must never panic, and
// whatever it accepts must be exactly the token the server would sign for
// its claims (so no second spelling of a token exists).
func FuzzLinkToken(f *testing.F) {
	id := bytes.Repeat([]byte{1}, linkIDBytes)
	f.Add(signLinkToken(fuzzSecret, id, "T-1", time.Unix(1_800_000_000, 0)))
	f.Add(signLinkToken(fuzzSecret, id, strings.Repeat("x", 128), time.Unix(0, 0)))
	f.Add("")
	f.Add(".")
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := parseLinkToken(fuzzSecret, token)
		if err != nil {
			return
		}
		raw, herr := hex.DecodeString(c.LinkID)
		if herr != nil || len(raw) != linkIDBytes {
			t.Fatalf("accepted %q with link id %q", token, c.LinkID)
		}
		if again := signLinkToken(fuzzSecret, raw, c.TicketID, c.ExpiresAt); again != token {
			t.Fatalf("accepted %q, which signs as %q", token, again)
		}
	})
}
