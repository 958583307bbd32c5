package eventlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// event returns a valid event with id at t0 + minutes.
func event(id string, minutes int) models.Event {
	return models.Event{
		ID:        id,
		Type:      models.EventSearch,
		SessionID: "s-" + id,
		Portal:    "customer",
		Time:      t0.Add(time.Duration(minutes) * time.Minute),
		Query:     "reset password " + id,
	}
}

func openLog(t *testing.T, dir string, opts Options) *Log {
	t.Helper()
	l, err := OpenOptions(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendOK(t *testing.T, l *Log, evs ...models.Event) (int, int) {
	t.Helper()
	added, err := l.Append(context.Background(), evs)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	// The added events are the batch's new ones, in the batch's order.
	at := 0
	for _, e := range added {
		for at < len(evs) && evs[at].ID != e.ID {
			at++
		}
		if at == len(evs) {
			t.Fatalf("added events are not a subsequence of the batch: %v", added)
		}
		at++
	}
	return len(added), len(evs) - len(added)
}

// replayAll returns every event in the log, in Replay order.
func replayAll(t *testing.T, l *Log) []models.Event {
	t.Helper()
	var got []models.Event
	err := l.Replay(context.Background(), func(e models.Event) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return got
}

func ids(evs []models.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	full := models.Event{
		ID: "e1", Type: models.EventArticleFeedback, SessionID: "sess-1", Portal: "itsm",
		Time:        time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.FixedZone("CET", 3600)),
		Query:       "vpn ne marche pas — ünïcode",
		ResultCount: 7, ArticleID: "kb-1", ArticleIDs: []string{"kb-1", "kb-2"},
		Helpful: new(false), TicketID: "t-9", Category: "network", IncidentID: "inc-7", BestRelevance: new(0.25),
	}
	minimal := event("e2", 1)
	helpful := event("e3", 2)
	helpful.Helpful = new(true)

	l := openLog(t, dir, Options{})
	if acc, dup := appendOK(t, l, full, minimal, helpful); acc != 3 || dup != 0 {
		t.Fatalf("append = %d accepted, %d duplicates; want 3, 0", acc, dup)
	}
	want := []models.Event{full, minimal, helpful}
	want[0].Time = want[0].Time.UTC() // the log returns times in UTC
	check := func(l *Log) {
		t.Helper()
		got := replayAll(t, l)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("scan:\n got %+v\nwant %+v", got, want)
		}
		if !got[0].Time.Equal(full.Time) {
			t.Errorf("time %v, want the same instant as %v", got[0].Time, full.Time)
		}
		if l.Count() != 3 {
			t.Errorf("Count = %d, want 3", l.Count())
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	check(openLog(t, dir, Options{}))
}

// TestReadsVersion1 decodes a record of the first format, which has no
// incident id and no best relevance.
func TestReadsVersion1(t *testing.T) {
	ev := event("old", 1)
	ev.ArticleIDs = []string{"kb-1"}
	v2 := appendRecord(nil, &ev)[headerSize:]
	v1 := append([]byte{1}, v2[1:len(v2)-2]...) // no IncidentID (one byte, empty), no BestRelevance (one byte, nil)
	got, ok := decodePayload(v1)
	if !ok || !reflect.DeepEqual(got, ev) {
		t.Errorf("version 1 payload decodes to %+v, %v; want %+v", got, ok, ev)
	}
	if _, ok := decodePayload(append([]byte{3}, v2[1:]...)); ok {
		t.Error("a payload of an unknown version decodes")
	}
}

func TestDedupe(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{})
	tests := []struct {
		name         string
		batch        []string
		wantAccepted int
		wantDups     int
	}{
		{"new batch", []string{"a", "b", "c"}, 3, 0},
		{"within batch", []string{"d", "d", "e", "d"}, 2, 2},
		{"retried batch", []string{"a", "b", "c"}, 0, 3},
		{"partly new", []string{"c", "f"}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var evs []models.Event
			for i, id := range tc.batch {
				evs = append(evs, event(id, i))
			}
			acc, dup := appendOK(t, l, evs...)
			if acc != tc.wantAccepted || dup != tc.wantDups {
				t.Errorf("got %d accepted, %d duplicates; want %d, %d", acc, dup, tc.wantAccepted, tc.wantDups)
			}
		})
	}
	if l.Count() != 6 {
		t.Errorf("Count = %d, want 6", l.Count())
	}
	l.Close()

	l = openLog(t, dir, Options{})
	if l.Count() != 6 {
		t.Errorf("after reopen Count = %d, want 6", l.Count())
	}
	acc, dup := appendOK(t, l, event("a", 0), event("f", 0), event("g", 0))
	if acc != 1 || dup != 2 {
		t.Errorf("after reopen: %d accepted, %d duplicates; want 1, 2", acc, dup)
	}
	if got := len(replayAll(t, l)); got != 7 {
		t.Errorf("scan returned %d events, want 7", got)
	}
}

func TestTornTail(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, lastRecord int64)
	}{
		{"garbage appended", func(t *testing.T, path string, _ int64) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte("\x17\x00\x00\x00garbage that is not a record"))
			f.Close()
		}},
		{"last record cut", func(t *testing.T, path string, lastRecord int64) {
			fi, _ := os.Stat(path)
			if err := os.Truncate(path, lastRecord+(fi.Size()-lastRecord)/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"header cut", func(t *testing.T, path string, lastRecord int64) {
			if err := os.Truncate(path, lastRecord+3); err != nil {
				t.Fatal(err)
			}
		}},
		{"last record flipped", func(t *testing.T, path string, _ int64) {
			data, _ := os.ReadFile(path)
			data[len(data)-2] ^= 0xff
			os.WriteFile(path, data, 0o644)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openLog(t, dir, Options{})
			appendOK(t, l, event("a", 0), event("b", 1))
			path := filepath.Join(dir, segName(1))
			fi, _ := os.Stat(path)
			appendOK(t, l, event("c", 2))
			l.Close()

			tc.damage(t, path, fi.Size())
			l = openLog(t, dir, Options{})
			got := ids(replayAll(t, l))
			if !slices.Equal(got, []string{"a", "b"}) && !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Fatalf("after repair: %v, want a, b (and c if intact)", got)
			}
			if tc.name != "garbage appended" && len(got) != 2 {
				t.Errorf("damaged record c survived: %v", got)
			}
			// The log is writable again, and c can be re-sent.
			appendOK(t, l, event("c", 2), event("d", 3))
			l.Close()
			l = openLog(t, dir, Options{})
			if got := ids(replayAll(t, l)); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
				t.Errorf("after re-append and reopen: %v", got)
			}
		})
	}
}

func TestDamagedSealedSegment(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{SegmentSize: 1})
	appendOK(t, l, event("a", 0))
	appendOK(t, l, event("b", 1))
	l.Close()
	path := filepath.Join(dir, segName(1))
	data, _ := os.ReadFile(path)
	data[len(data)-1] ^= 0xff
	os.WriteFile(path, data, 0o644)
	if l, err := Open(dir); err == nil {
		l.Close()
		t.Fatal("open succeeded on a damaged sealed segment")
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{SegmentSize: 300})
	var want []string
	for i := range 40 {
		id := fmt.Sprintf("e%02d", i)
		want = append(want, id)
		appendOK(t, l, event(id, i))
	}
	seqs, _ := listSegments(dir)
	if len(seqs) < 5 {
		t.Errorf("%d segments, want rotation to have made several", len(seqs))
	}
	if got := ids(replayAll(t, l)); !slices.Equal(got, want) {
		t.Errorf("scan = %v", got)
	}
	l.Close()
	l = openLog(t, dir, Options{SegmentSize: 300})
	if got := ids(replayAll(t, l)); !slices.Equal(got, want) {
		t.Errorf("after reopen scan = %v", got)
	}
	if _, dup := appendOK(t, l, event("e00", 0), event("e39", 0)); dup != 2 {
		t.Errorf("dedupe across segments: %d duplicates, want 2", dup)
	}
}

func TestReplayOrder(t *testing.T) {
	dir := t.TempDir()
	// Small segments, event times out of order across and within them:
	// Replay gives the events in the order they were appended.
	l := openLog(t, dir, Options{SegmentSize: 200})
	var want []string
	for i, m := range []int{50, 10, 30, 0, 70, 20, 60, 40, 10, 90, 80, 5} {
		id := fmt.Sprintf("e%02d", i)
		want = append(want, id)
		appendOK(t, l, event(id, m))
	}
	if seqs, _ := listSegments(dir); len(seqs) < 3 {
		t.Fatalf("%d segments, want several", len(seqs))
	}
	if got := ids(replayAll(t, l)); !slices.Equal(got, want) {
		t.Errorf("replay = %v, want %v", got, want)
	}

	stop := errors.New("stop")
	n := 0
	err := l.Replay(context.Background(), func(models.Event) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("Replay with failing fn: err %v after %d calls, want stop after 3", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Replay(ctx, func(models.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Replay with cancelled ctx: %v", err)
	}
}

func TestConcurrentAppend(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{SegmentSize: 64 << 10})
	const writers, batches, size = 8, 20, 25
	var mu sync.Mutex
	accepted, dups := 0, 0
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				evs := make([]models.Event, size)
				for i := range evs {
					// Writers w and w^1 send the same ids: half are duplicates.
					evs[i] = event(fmt.Sprintf("w%d-b%d-%d", w/2, b, i), b)
				}
				added, err := l.Append(context.Background(), evs)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				accepted += len(added)
				dups += len(evs) - len(added)
				mu.Unlock()
			}
		})
	}
	// Replays run alongside the writers, and never see an event twice.
	wg.Go(func() {
		for range 20 {
			seen := map[string]bool{}
			l.Replay(context.Background(), func(e models.Event) error {
				if seen[e.ID] {
					t.Errorf("replay saw %s twice", e.ID)
				}
				seen[e.ID] = true
				return nil
			})
		}
	})
	wg.Wait()
	unique := writers / 2 * batches * size
	if accepted != unique || dups != unique {
		t.Errorf("accepted %d, duplicates %d; want %d each", accepted, dups, unique)
	}
	if l.Count() != unique {
		t.Errorf("Count = %d, want %d", l.Count(), unique)
	}
	l.Close()
	l = openLog(t, dir, Options{})
	if l.Count() != unique || len(replayAll(t, l)) != unique {
		t.Errorf("after reopen Count = %d, want %d", l.Count(), unique)
	}
}

func TestCloseAndLock(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{})
	if l2, err := Open(dir); err == nil {
		l2.Close()
		t.Error("second Open of the same directory succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, err := l.Append(context.Background(), []models.Event{event("a", 0)})
	if !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("Append after Close: %v, want unavailable", err)
	}
	l2 := openLog(t, dir, Options{})
	if l2.Count() != 0 {
		t.Errorf("Count = %d", l2.Count())
	}
}

func TestTooLarge(t *testing.T) {
	l := openLog(t, t.TempDir(), Options{})
	big := event("big", 0)
	big.Query = string(make([]byte, maxPayload+1))
	_, err := l.Append(context.Background(), []models.Event{event("ok", 0), big})
	if !errors.Is(err, models.ErrTooLarge) {
		t.Errorf("err = %v, want too large", err)
	}
	if l.Count() != 0 {
		t.Errorf("a rejected batch stored %d events", l.Count())
	}
}
