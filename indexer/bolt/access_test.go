package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

// TestKeysSurviveReopen creates, finds, lists and revokes keys, and checks
// all of it is there after the file is closed and opened again.
func TestKeysSurviveReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a := models.APIKey{ID: "key_a", Prefix: "sk_aaa", Role: models.RoleAdmin, CreatedAt: now, Hash: bytes.Repeat([]byte{1}, 32)}
	b := models.APIKey{ID: "key_b", Prefix: "sk_bbb", Role: models.RolePortal, Portal: models.PortalITSM, CreatedAt: now.Add(time.Second), Hash: bytes.Repeat([]byte{2}, 32)}
	for _, k := range []models.APIKey{b, a} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	dupID := b
	dupID.Hash = bytes.Repeat([]byte{3}, 32)
	dupHash := models.APIKey{ID: "key_c", Hash: a.Hash}
	for _, k := range []models.APIKey{dupID, dupHash} {
		if err := s.CreateKey(ctx, k); !errors.Is(err, models.ErrConflict) {
			t.Errorf("create %s again: %v, want conflict", k.ID, err)
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
	s.Close()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.KeyByHash(ctx, b.Hash)
	if err != nil || got.ID != "key_b" || !got.Revoked() || got.Portal != models.PortalITSM {
		t.Errorf("key b after reopen: %+v %v", got, err)
	}
	if _, err := s.KeyByHash(ctx, bytes.Repeat([]byte{9}, 32)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	all, err := s.Keys(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "key_a" || all[1].ID != "key_b" {
		t.Errorf("keys %+v %v, want a then b", all, err)
	}
}

func TestLinks(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	l := models.Link{ID: "0a", TicketID: "T-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour), CreatedBy: "key_a"}
	if err := s.CreateLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLink(ctx, l); !errors.Is(err, models.ErrConflict) {
		t.Errorf("create again: %v", err)
	}
	if err := s.RevokeLink(ctx, "0a", now); err != nil {
		t.Fatal(err)
	}
	got, err := s.Link(ctx, "0a")
	if err != nil || got.TicketID != "T-1" || !got.RevokedAt.Equal(now) {
		t.Errorf("link %+v %v", got, err)
	}
	if _, err := s.Link(ctx, "0b"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown link: %v", err)
	}
	if err := s.RevokeLink(ctx, "0b", now); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoke unknown link: %v", err)
	}
}
