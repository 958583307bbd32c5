package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/siftdesk/sift/api"
)

// linkSecretFile holds the key that signs private link tokens, in the
// data directory.
const linkSecretFile = "link.key"

// loadLinkSecret reads the data directory's link secret, creating it
// (random, readable by the owner only) on first start. Replacing the file
// invalidates every link issued. The secret is never logged.
func loadLinkSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, linkSecretFile)
	secret, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret = make([]byte, api.MinLinkSecretBytes)
		rand.Read(secret)
		// O_EXCL: of two processes starting at once, one writes it.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create link secret: %w", err)
		}
		_, err = f.Write(secret)
		if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write link secret: %w", err)
		}
		return secret, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read link secret: %w", err)
	}
	if len(secret) < api.MinLinkSecretBytes {
		return nil, fmt.Errorf("link secret %s is %d bytes, at least %d needed: remove it to have a new one made (links issued so far stop working)", path, len(secret), api.MinLinkSecretBytes)
	}
	return secret, nil
}

// linkSecret returns the secret that signs private link tokens: the data
// directory's, or over PostgreSQL the database's, so that every replica
// accepts the links any of them issued.
func (d *dataDir) linkSecret(ctx context.Context) ([]byte, error) {
	if d.pg != nil {
		return d.pg.LinkSecret(ctx)
	}
	return loadLinkSecret(d.dir)
}
