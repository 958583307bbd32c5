package eventlog

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/siftdesk/sift/models"
)

// BenchmarkAppend measures sustained ingestion: several goroutines (as HTTP
// handlers would) each append batches of 100 new events, every Append
// waiting for its fsync. Run with -cpu 2 for the 2-core target of
// 50,000 events/s.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			l, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			const batch, batchesPerWriter = 100, 10
			var next atomic.Int64
			total := 0
			for b.Loop() {
				var wg sync.WaitGroup
				for range writers {
					wg.Go(func() {
						evs := make([]models.Event, batch)
						for range batchesPerWriter {
							base := next.Add(batch)
							for i := range evs {
								evs[i] = event(fmt.Sprintf("ev-%d", base+int64(i)), int(base%1440))
							}
							if _, err := l.Append(context.Background(), evs); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				total += writers * batchesPerWriter * batch
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// fill appends n events, in batches of 1000, with times spread over 30 days.
func fill(b *testing.B, dir string, n int) {
	b.Helper()
	l, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	evs := make([]models.Event, 0, 1000)
	for i := range n {
		evs = append(evs, event(fmt.Sprintf("ev-%d", i), i*30*24*60/n))
		if len(evs) == cap(evs) || i == n-1 {
			if _, err := l.Append(context.Background(), evs); err != nil {
				b.Fatal(err)
			}
			evs = evs[:0]
		}
	}
}

// BenchmarkOpen measures rebuilding the ID set and segment index on open.
func BenchmarkOpen(b *testing.B) {
	const n = 200_000
	dir := b.TempDir()
	fill(b, dir, n)
	for b.Loop() {
		l, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReplay measures a Replay of the whole log.
func BenchmarkReplay(b *testing.B) {
	const n = 200_000
	dir := b.TempDir()
	fill(b, dir, n)
	l, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for b.Loop() {
		seen := 0
		l.Replay(context.Background(), func(models.Event) error { seen++; return nil })
		if seen != n {
			b.Fatalf("replayed %d events, want %d", seen, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
