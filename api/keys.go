package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/siftdesk/sift/models"
)

// KeyStore keeps API keys. The embedded store (indexer/bolt) implements
// it; so may any other system of record. Implementations must be safe for
// concurrent use.
type KeyStore interface {
	// CreateKey stores a new key. A key whose id or hash is already stored
	// is refused with an error matching models.ErrConflict.
	CreateKey(ctx context.Context, k models.APIKey) error
	// KeyByHash returns the key, revoked or not, whose secret has this
	// SHA-256 hash, or an error matching models.ErrNotFound.
	KeyByHash(ctx context.Context, hash []byte) (models.APIKey, error)
	// KeyByID returns the key, revoked or not, with this id, or an error
	// matching models.ErrNotFound.
	KeyByID(ctx context.Context, id string) (models.APIKey, error)
	// Keys returns every key, revoked ones included, oldest first.
	Keys(ctx context.Context) ([]models.APIKey, error)
	// RevokeKey marks a key revoked at the given time and returns it; a
	// key already revoked keeps its first time. An unknown id is an error
	// matching models.ErrNotFound.
	RevokeKey(ctx context.Context, id string, at time.Time) (models.APIKey, error)
}

// secretPrefix starts every API key secret, so that one is easy to spot
// in a leaked file or a secret scanner's rules.
const secretPrefix = "sk_"

// secretBytes is how much randomness a secret holds: 256 bits, so a plain
// SHA-256 of it is as good as a slow password hash (no dictionary applies)
// and lets a key be looked up by its hash.
const secretBytes = 32

// shownPrefix is how much of a secret is kept in clear, to tell keys apart.
const shownPrefix = len(secretPrefix) + 6

// NewKey makes a key with a fresh random secret as spec says (its role,
// portal, name and origins; the rest is ignored), validated; it returns
// the key to store and the secret, which is shown once and never stored.
// A portal key also gets the key that verifies its browser tokens.
func NewKey(spec models.APIKey, now time.Time) (models.APIKey, string, error) {
	k := models.APIKey{Role: spec.Role, Portal: spec.Portal, Name: strings.TrimSpace(spec.Name), Origins: spec.Origins,
		CreatedAt: now.UTC().Truncate(time.Second)}
	if err := k.Validate(); err != nil {
		return models.APIKey{}, "", err
	}
	raw := make([]byte, secretBytes)
	rand.Read(raw) // never returns an error (crypto/rand)
	secret := secretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	id := make([]byte, 6)
	rand.Read(id)
	k.ID = "key_" + hex.EncodeToString(id)
	k.Prefix = secret[:shownPrefix]
	k.Hash = HashKey(secret)
	if k.Role == models.RolePortal {
		k.TokenKey = TokenSigningKey(secret)
	}
	return k, secret, nil
}

// HashKey returns the SHA-256 of a key's secret, the form in which keys
// are stored and looked up.
func HashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// publicKey is a key as the API shows it: no hash, no token key.
func publicKey(k models.APIKey) models.APIKey {
	k.Hash, k.TokenKey = nil, nil
	return k
}

// noKeys is the key store of a server configured without one: it knows
// no key, so every authenticated request is refused.
type noKeys struct{}

func (noKeys) CreateKey(context.Context, models.APIKey) error {
	return models.Invalid("", "this server has no key store")
}

func (noKeys) KeyByHash(context.Context, []byte) (models.APIKey, error) {
	return models.APIKey{}, models.NotFound("no such key")
}

func (noKeys) KeyByID(_ context.Context, id string) (models.APIKey, error) {
	return models.APIKey{}, models.NotFound("key %q not found", id)
}

func (noKeys) Keys(context.Context) ([]models.APIKey, error) { return nil, nil }

func (noKeys) RevokeKey(_ context.Context, id string, _ time.Time) (models.APIKey, error) {
	return models.APIKey{}, models.NotFound("key %q not found", id)
}
