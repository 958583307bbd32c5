package hnsw

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/siftdesk/sift/models"
)

// persistFixture returns a small index with tombstones and free nodes, and
// queries for it.
func persistFixture(t testing.TB) (*Index, [][]float32) {
	t.Helper()
	d := newDataset(21, 24, 12)
	vecs := d.points(600)
	x := build(t, Config{Dimensions: 24, Model: "test-model", MaxDeleted: -1}, vecs)
	for i := 0; i < 200; i += 2 {
		x.Delete(docID(i))
	}
	x.Compact() // frees 100 nodes
	for i := 1; i < 100; i += 2 {
		x.Delete(docID(i)) // leaves 50 tombstones
	}
	for i := 0; i < 20; i += 2 {
		x.Add(docID(i), vecs[i], testAttrs(i)) // reuses 10 free nodes
	}
	d.reseed(21, 3)
	return x, d.points(50)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	x, queries := persistFixture(t)
	path := filepath.Join(t.TempDir(), "vectors.hnsw")
	ctx := context.Background()
	if err := x.Save(ctx, path); err != nil {
		t.Fatal(err)
	}
	y, err := Load(ctx, path, Config{Dimensions: 24, Model: "test-model"})
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, y)
	xs, ys := x.Stats(), y.Stats()
	if xs.Live != ys.Live || xs.Deleted != ys.Deleted || xs.Levels != ys.Levels || ys.Free != 0 {
		t.Errorf("saved %+v, loaded %+v; want the same but for no free nodes", xs, ys)
	}
	filter := func(a Attrs) bool { return a.Classes&0xf0f0f0f0f0f0f0f0 != 0 }
	for i, q := range queries {
		for _, f := range []func(Attrs) bool{nil, filter} {
			if a, b := x.Search(q, 10, f), y.Search(q, 10, f); !reflect.DeepEqual(a, b) {
				t.Fatalf("query %d: saved index finds %v, loaded one %v", i, a, b)
			}
			if a, b := x.Exact(q, 10, f), y.Exact(q, 10, f); !reflect.DeepEqual(a, b) {
				t.Fatalf("query %d: exact results differ", i)
			}
		}
	}
	// Without free nodes, writing a loaded index gives the bytes it was
	// read from.
	var want, got bytes.Buffer
	if _, err := y.WriteTo(&want); err != nil {
		t.Fatal(err)
	}
	z := New(Config{Dimensions: 24, Model: "test-model"})
	if n, err := z.ReadFrom(bytes.NewReader(want.Bytes())); err != nil || n != int64(want.Len()) {
		t.Fatalf("ReadFrom = %d, %v; want %d bytes", n, err, want.Len())
	}
	n, err := z.WriteTo(&got)
	if err != nil || n != int64(want.Len()) || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("re-written file differs: %d bytes, err %v; want %d bytes", n, err, want.Len())
	}
	// No temporary files are left behind.
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the index", len(entries))
	}
}

func TestSaveEmpty(t *testing.T) {
	var buf bytes.Buffer
	if _, err := New(Config{Dimensions: 3}).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	y := New(Config{Dimensions: 3})
	if n, err := y.ReadFrom(&buf); err != nil || y.Len() != 0 || n != int64(headerFixed+4+4) {
		t.Fatalf("ReadFrom = %d, %v; Len %d", n, err, y.Len())
	}
	if err := y.Add("a", []float32{1, 2, 3}, Attrs{}); err != nil {
		t.Fatal(err)
	}
	if hits := y.Search([]float32{1, 2, 3}, 1, nil); len(hits) != 1 || hits[0].ID != "a" {
		t.Errorf("Search = %v", hits)
	}
}

func TestReadFromErrors(t *testing.T) {
	x, _ := persistFixture(t)
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	flip := func(off int) []byte {
		b := bytes.Clone(file)
		b[off] ^= 0x10
		return b
	}
	cfg := Config{Dimensions: 24, Model: "test-model"}
	tests := []struct {
		name string
		data []byte
		cfg  Config
		want error
	}{
		{"other model", file, Config{Dimensions: 24, Model: "other-model"}, ErrModelMismatch},
		{"default model", file, Config{Dimensions: 24}, ErrModelMismatch},
		{"other dimensions", file, Config{Dimensions: 25, Model: "test-model"}, ErrDimensionMismatch},
		{"empty", nil, cfg, ErrCorrupt},
		{"not an index", []byte("SIFTHNSX and more bytes than a header has, really quite a lot more"), cfg, ErrCorrupt},
		{"newer version", flip(8), cfg, ErrVersion},
		{"damaged dimensions", flip(12), cfg, ErrCorrupt},
		{"damaged model name", flip(headerFixed + 1), cfg, ErrCorrupt},
		{"damaged vector", flip(len(file) / 2), cfg, ErrCorrupt},
		{"damaged checksum", flip(len(file) - 1), cfg, ErrCorrupt},
		{"truncated header", file[:30], cfg, ErrCorrupt},
		{"truncated body", file[:len(file)/3], cfg, ErrCorrupt},
		{"truncated checksum", file[:len(file)-2], cfg, ErrCorrupt},
		{"trailing data", append(bytes.Clone(file), 0), cfg, ErrCorrupt},
		{"bad link, valid checksums", fixChecksums(patchFirstLink(t, file, 0xfffffff0)), cfg, ErrCorrupt},
		{"self link, valid checksums", fixChecksums(patchFirstLink(t, file, 0)), cfg, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := build(t, tc.cfg, nil)
			y.Add("keep", make([]float32, tc.cfg.Dimensions), Attrs{}) // rejected: zero
			y.Add("keep", append(make([]float32, tc.cfg.Dimensions-1), 1), Attrs{})
			_, err := y.ReadFrom(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadFrom: %v, want %v", err, tc.want)
			}
			if y.Len() != 1 {
				t.Errorf("failed ReadFrom changed the index: Len %d", y.Len())
			}
		})
	}
}

// patchFirstLink returns file with the first link of node 0 set to nb.
func patchFirstLink(t *testing.T, file []byte, nb uint32) []byte {
	t.Helper()
	l := int(binary.LittleEndian.Uint16(file[40:]))
	off := headerFixed + l + 4 // node 0's record
	dim := int(binary.LittleEndian.Uint32(file[12:]))
	if file[off] != stateLive {
		t.Fatal("node 0 is not live")
	}
	off += 2 + 4*dim
	off += 2 + int(binary.LittleEndian.Uint16(file[off:])) // id
	off += 8
	off += 2 + int(binary.LittleEndian.Uint16(file[off:])) // group
	if binary.LittleEndian.Uint16(file[off:]) == 0 {
		t.Fatal("node 0 has no links")
	}
	b := bytes.Clone(file)
	binary.LittleEndian.PutUint32(b[off+2:], nb)
	return b
}

// fixChecksums recomputes the header and file checksums of data where it is
// long enough to hold them, so that tests and fuzzing reach the checks
// behind them.
func fixChecksums(data []byte) []byte {
	if len(data) < headerFixed {
		return data
	}
	b := bytes.Clone(data)
	end := headerFixed + int(binary.LittleEndian.Uint16(b[40:]))
	if len(b) < end+4 {
		return b
	}
	binary.LittleEndian.PutUint32(b[end:], crc32.Checksum(b[:end], castagnoli))
	if len(b) >= end+8 {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	}
	return b
}

// TestReadFromEveryPrefix checks that every truncation of a file is
// reported as corrupt.
func TestReadFromEveryPrefix(t *testing.T) {
	x := New(Config{Dimensions: 3, Model: "m"})
	for i, v := range [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}} {
		x.Add(docID(i), v, Attrs{Classes: uint64(i), Group: "g"})
	}
	x.Delete(docID(1))
	var buf bytes.Buffer
	x.WriteTo(&buf)
	file := buf.Bytes()
	for n := range len(file) {
		_, err := New(Config{Dimensions: 3, Model: "m"}).ReadFrom(bytes.NewReader(file[:n]))
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix of %d bytes: %v, want ErrCorrupt", n, err)
		}
	}
	for off := range len(file) {
		b := bytes.Clone(file)
		b[off] ^= 1
		if _, err := New(Config{Dimensions: 3, Model: "m"}).ReadFrom(bytes.NewReader(b)); err == nil {
			t.Fatalf("flipping a bit of byte %d went unnoticed", off)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Load(ctx, filepath.Join(dir, "missing"), Config{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
	x := New(Config{Dimensions: 2, Model: "a"})
	x.Add("x", []float32{1, 2}, Attrs{})
	path := filepath.Join(dir, "idx")
	if err := x.Save(ctx, path); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, path, Config{Dimensions: 2, Model: "b"}); !errors.Is(err, ErrModelMismatch) {
		t.Errorf("Load with another model: %v, want ErrModelMismatch", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Load(cancelled, path, Config{Dimensions: 2, Model: "a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context: %v", err)
	}
	if err := x.Save(cancelled, path); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a cancelled context: %v", err)
	}
	// The failed save left the old file intact and no temporary file.
	if _, err := Load(ctx, path, Config{Dimensions: 2, Model: "a"}); err != nil {
		t.Errorf("old file damaged by a failed save: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed save", len(entries))
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		return 0, io.ErrShortWrite
	}
	w.after -= len(p)
	return len(p), nil
}

func TestWriteToError(t *testing.T) {
	x, _ := persistFixture(t)
	if _, err := x.WriteTo(&failingWriter{after: 1000}); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("WriteTo: %v, want the writer's error", err)
	}
	long := New(Config{Dimensions: 2, Model: string(make([]byte, MaxModelName+1))})
	if _, err := long.WriteTo(io.Discard); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("WriteTo with a long model name: %v, want an invalid error", err)
	}
}

// TestReadFromFreeSlotsCheap reads a file of a million free slots of
// 65,536 dimensions: one byte each in the file, they must not cost a
// vector each in memory.
func TestReadFromFreeSlotsCheap(t *testing.T) {
	const slots = 1_000_000
	var h []byte
	h = append(h, magic...)
	for _, v := range []uint32{formatVersion, MaxDimensions, 16, 200, slots, 0, noNode, 0} {
		h = binary.LittleEndian.AppendUint32(h, v)
	}
	h = binary.LittleEndian.AppendUint16(h, 0) // model ""
	h = binary.LittleEndian.AppendUint32(h, crc32.Checksum(h, castagnoli))
	for range slots {
		h = append(h, stateFree)
	}
	h = binary.LittleEndian.AppendUint32(h, crc32.Checksum(h, castagnoli))

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := New(Config{Dimensions: MaxDimensions})
	if _, err := x.ReadFrom(bytes.NewReader(h)); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("reading %d bytes allocated %d MiB", len(h), got>>20)
	}
	if st := x.Stats(); st.Live != 0 || st.Free != 0 {
		t.Errorf("Stats = %+v, want an empty index", st)
	}
}
