// Package storetest checks that a backend keeps API keys and private links
// as the API's KeyStore and LinkStore describe. Each backend's tests run
// it, so the backends cannot drift apart.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// Store is a backend's key and link store: the methods of api.KeyStore
// and api.LinkStore (named here, since backends do not import the API).
type Store interface {
	CreateKey(ctx context.Context, k models.APIKey) error
	KeyByHash(ctx context.Context, hash []byte) (models.APIKey, error)
	Keys(ctx context.Context) ([]models.APIKey, error)
	RevokeKey(ctx context.Context, id string, at time.Time) (models.APIKey, error)
	CreateLink(ctx context.Context, l models.Link) error
	Link(ctx context.Context, id string) (models.Link, error)
	RevokeLink(ctx context.Context, id string, at time.Time) error
}

// KeysAndLinks writes keys and a link to s and reads them back: a
// duplicate id or hash is a conflict about the id, revoking again keeps the
// first time, unknown ids and hashes are not found, keys list oldest first.
// reopen, if not nil, closes the store and returns it opened again; it is
// called between the writes and the reads, so what is read must have been
// kept. s must be empty.
func KeysAndLinks(t *testing.T, s Store, reopen func() Store) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a := models.APIKey{ID: "key_a", Prefix: "sk_aaa", Role: models.RoleAdmin, CreatedAt: now, Hash: bytes.Repeat([]byte{1}, 32)}
	b := models.APIKey{ID: "key_b", Prefix: "sk_bbb", Role: models.RolePortal, Portal: models.PortalITSM, CreatedAt: now.Add(time.Second), Hash: bytes.Repeat([]byte{2}, 32)}
	for _, k := range []models.APIKey{b, a} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []models.APIKey{{ID: "key_b", Hash: bytes.Repeat([]byte{3}, 32)}, {ID: "key_c", Hash: a.Hash}} {
		var e *models.Error
		if err := s.CreateKey(ctx, k); !errors.As(err, &e) || e.Code != models.CodeConflict || e.Field != "id" {
			t.Errorf("create %s again: %v, want a conflict about id", k.ID, err)
		}
	}
	if _, err := s.RevokeKey(ctx, "key_b", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.RevokeKey(ctx, "key_b", now.Add(2*time.Hour)); !k.RevokedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("second revoke moved the time to %v", k.RevokedAt)
	}
	if _, err := s.RevokeKey(ctx, "key_none", now); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	l := models.Link{ID: "0a", TicketID: "T-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour), CreatedBy: "key_a"}
	if err := s.CreateLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLink(ctx, l); !errors.Is(err, models.ErrConflict) {
		t.Errorf("create link again: %v", err)
	}
	if err := s.RevokeLink(ctx, "0a", now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeLink(ctx, "0b", now); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoke unknown link: %v", err)
	}

	if reopen != nil {
		s = reopen()
	}
	if got, err := s.KeyByHash(ctx, b.Hash); err != nil || got.ID != "key_b" || !got.Revoked() || got.Portal != models.PortalITSM {
		t.Errorf("key b: %+v %v", got, err)
	}
	if _, err := s.KeyByHash(ctx, bytes.Repeat([]byte{9}, 32)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	if all, err := s.Keys(ctx); err != nil || len(all) != 2 || all[0].ID != "key_a" || all[1].ID != "key_b" {
		t.Errorf("keys %+v %v, want a then b", all, err)
	}
	if got, err := s.Link(ctx, "0a"); err != nil || got.TicketID != "T-1" || !got.RevokedAt.Equal(now) {
		t.Errorf("link %+v %v", got, err)
	}
	if _, err := s.Link(ctx, "0b"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown link: %v", err)
	}
}
