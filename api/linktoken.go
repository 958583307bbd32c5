package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/siftdesk/sift/models"
)

// A link token is base64url(payload) "." base64url(mac), where payload is
// the link id (16 bytes), the expiry (Unix seconds, 8 bytes big-endian)
// and the ticket id, and mac is HMAC-SHA256 under the server's link secret
// of a version label and the payload.
const (
	linkIDBytes    = 16
	linkMACLabel   = "sift link v1\x00"
	maxTokenLength = 512 // longer than any token Sift makes
)

// MinLinkSecretBytes is the shortest link secret the server accepts.
const MinLinkSecretBytes = 32

// errBadToken is every malformed or forged token: one error, so an
// attacker learns nothing about which part failed.
var errBadToken = errors.New("not a valid link token")

// linkClaims are what a valid token says.
type linkClaims struct {
	LinkID    string // hex of the 16 id bytes
	TicketID  string
	ExpiresAt time.Time
}

// signLinkToken makes the token for a link.
func signLinkToken(secret []byte, linkID []byte, ticketID string, expires time.Time) string {
	payload := make([]byte, 0, linkIDBytes+8+len(ticketID))
	payload = append(payload, linkID...)
	payload = binary.BigEndian.AppendUint64(payload, uint64(expires.Unix()))
	payload = append(payload, ticketID...)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(linkMAC(secret, payload))
}

func linkMAC(secret, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(linkMACLabel))
	m.Write(payload)
	return m.Sum(nil)
}

// parseLinkToken checks a token's form and signature and returns its
// claims. It does not check expiry or revocation. Any other input,
// whatever it is, returns errBadToken, never a panic.
func parseLinkToken(secret []byte, token string) (linkClaims, error) {
	if len(token) > maxTokenLength || !isTokenText(token) {
		return linkClaims{}, errBadToken
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return linkClaims{}, errBadToken
	}
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil || len(payload) <= linkIDBytes+8 {
		return linkClaims{}, errBadToken
	}
	if !hmac.Equal(mac, linkMAC(secret, payload)) {
		return linkClaims{}, errBadToken
	}
	c := linkClaims{
		LinkID:    hex.EncodeToString(payload[:linkIDBytes]),
		ExpiresAt: time.Unix(int64(binary.BigEndian.Uint64(payload[linkIDBytes:])), 0).UTC(),
		TicketID:  string(payload[linkIDBytes+8:]),
	}
	if models.ValidateID(c.TicketID) != nil {
		return linkClaims{}, errBadToken // signed by us, so never expected
	}
	return c, nil
}

// isTokenText reports whether s holds only the base64url alphabet and dots.
// The base64 decoder skips CR and LF even in strict mode, so without this
// check a token with line breaks in it would be a second spelling of a
// valid one.
func isTokenText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
