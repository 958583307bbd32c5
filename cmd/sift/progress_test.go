package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer"
)

// TestProgressWithoutATerminal checks that progress written to a file or
// pipe is a plain line of counts every progressEvery, and nothing between.
func TestProgressWithoutATerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgressLine(&out)
	p.update(indexer.Progress{Read: 10, Elapsed: time.Second})
	if out.Len() != 0 {
		t.Fatalf("progress before %s: %q", progressEvery, out.String())
	}
	p.last = time.Now().Add(-progressEvery)
	p.update(indexer.Progress{Read: 20000, Added: 19999, Skipped: 1, Elapsed: 4 * time.Second})
	p.update(indexer.Progress{Read: 20001, Elapsed: 4 * time.Second})
	if got := out.String(); got != "20,000 records  5,000/s  (19999 added, 0 updated, 0 unchanged, 1 skipped)\n" {
		t.Errorf("progress line %q", got)
	}
	if strings.Contains(out.String(), "\033") {
		t.Errorf("terminal escapes in a file: %q", out.String())
	}
}
