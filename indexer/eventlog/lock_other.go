//go:build !unix

package eventlog

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir opens dir/LOCK. On systems without flock it does not keep a second
// process out; run one sift process per data directory.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open event log %s: %w", dir, err)
	}
	return f, nil
}

func unlockDir(f *os.File) error { return f.Close() }
