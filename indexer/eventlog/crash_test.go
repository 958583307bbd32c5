package eventlog

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// crashEnv names the directory the child process appends to.
const crashEnv = "EVENTLOG_CRASH_CHILD_DIR"

// TestCrashRecovery re-executes the test binary as a child that appends
// batches from several goroutines and prints "ack <id>" for every event of a
// batch whose Append returned nil. The parent kills the child with SIGKILL
// mid-stream, reopens the log, and checks that every acknowledged event is
// there.
func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dir := t.TempDir()
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, fmt.Sprintf("EVENTLOG_CRASH_ROUND=%d", round))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[string]bool{}
		sc := bufio.NewScanner(out)
		killAt := time.Now().Add(300 * time.Millisecond)
		killed := false
		for sc.Scan() {
			// The kill can cut the last line short; only lines ending in
			// "end" count as acknowledgements.
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "ack" && f[2] == "end" {
				acked[f[1]] = true
			}
			if !killed && time.Now().After(killAt) && len(acked) > 0 {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		}
		if !killed {
			cmd.Process.Signal(syscall.SIGKILL)
		}
		cmd.Wait()
		if len(acked) == 0 {
			t.Fatalf("round %d: child acknowledged nothing", round)
		}

		l, err := Open(dir)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		present := map[string]bool{}
		l.Replay(context.Background(), func(e models.Event) error {
			present[e.ID] = true
			return nil
		})
		missing := 0
		for id := range acked {
			if !present[id] {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("round %d: %d of %d acknowledged events missing after SIGKILL", round, missing, len(acked))
		}
		if l.Count() != len(present) {
			t.Errorf("round %d: Count %d, replay found %d", round, l.Count(), len(present))
		}
		t.Logf("round %d: %d acknowledged, %d stored", round, len(acked), len(present))
		l.Close()
	}
}

// crashChild appends until killed.
func crashChild(dir string) {
	l, err := OpenOptions(dir, Options{SegmentSize: 256 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	round := os.Getenv("EVENTLOG_CRASH_ROUND")
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for b := 0; ; b++ {
				evs := make([]models.Event, 50)
				for i := range evs {
					evs[i] = event(fmt.Sprintf("r%s-g%d-b%d-%d", round, g, b, i), b%600)
				}
				if _, err := l.Append(context.Background(), evs); err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(2)
				}
				mu.Lock()
				for _, e := range evs {
					fmt.Fprintf(w, "ack %s end\n", e.ID)
				}
				w.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
