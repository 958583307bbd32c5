package hnsw

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzReadFrom from the current file format")

// seedFiles returns small index files that cover every kind of node record.
func seedFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	enc := func(x *Index) []byte {
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			tb.Fatal(err)
		}
		return buf.Bytes()
	}
	seeds := map[string][]byte{"empty": enc(New(Config{Dimensions: 4, Model: "m"}))}

	x := New(Config{Dimensions: 4, Model: "m", M: 2, MaxDeleted: -1, Seed: 3})
	d := newDataset(1, 4, 3)
	for i, v := range d.points(12) {
		x.Add(docID(i), v, Attrs{Classes: uint64(i), Group: fmt.Sprint("g", i%3)})
	}
	seeds["live"] = enc(x)
	x.Delete(docID(3))
	x.Delete(docID(5))
	seeds["tombstones"] = enc(x)
	x.Compact()
	x.Delete(docID(7))
	seeds["free"] = enc(x)
	return seeds
}

// TestFuzzSeeds checks that the seeds in testdata/fuzz/FuzzReadFrom are
// valid files of the current format, so that fuzzing starts from inputs
// that reach every check; run it with -update-seeds after changing the
// format.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReadFrom")
	seeds := seedFiles(t)
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			file := fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
			if err := os.WriteFile(filepath.Join(dir, name), file, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name := range seeds {
		path := filepath.Join(dir, name)
		file, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v; run go test -run TestFuzzSeeds -update-seeds", err)
			continue
		}
		const prefix = "go test fuzz v1\n[]byte("
		text := strings.TrimSuffix(strings.TrimSpace(string(file)), ")")
		data, err := strconv.Unquote(strings.TrimPrefix(text, prefix))
		if err != nil || !strings.HasPrefix(text, prefix) {
			t.Errorf("%s is not a fuzz corpus file: %v", path, err)
			continue
		}
		if _, err := New(Config{Dimensions: 4, Model: "m"}).ReadFrom(strings.NewReader(data)); err != nil {
			t.Errorf("%s: %v; run go test -run TestFuzzSeeds -update-seeds", path, err)
		}
	}
}

// FuzzReadFrom feeds ReadFrom damaged files, as they are and with their
// checksums made to match so that the structural checks get exercised. It
// must never panic, and whatever it accepts must be usable.
func FuzzReadFrom(f *testing.F) {
	for _, data := range seedFiles(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, data := range [][]byte{data, fixChecksums(data)} {
			cfg := Config{Dimensions: 4, Model: "m"}
			if len(data) >= headerFixed {
				// Take dimensions and model from the header, to get past
				// the mismatch checks.
				cfg.Dimensions = int(binary.LittleEndian.Uint32(data[12:]))
				if cfg.Dimensions < 1 || cfg.Dimensions > 64 {
					cfg.Dimensions = 4
				}
				l := int(binary.LittleEndian.Uint16(data[40:]))
				if len(data) >= headerFixed+l {
					cfg.Model = string(data[headerFixed : headerFixed+l])
				}
			}
			x := New(cfg)
			if _, err := x.ReadFrom(bytes.NewReader(data)); err != nil {
				continue
			}
			// An accepted file must be searchable, writable and editable.
			q := make([]float32, cfg.Dimensions)
			q[0] = 1
			x.Search(q, 3, nil)
			x.Search(q, 3, func(a Attrs) bool { return a.Classes&1 != 0 })
			x.Exact(q, 3, nil)
			var buf bytes.Buffer
			if _, err := x.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			if _, err := New(cfg).ReadFrom(&buf); err != nil {
				t.Fatalf("re-reading a written index: %v", err)
			}
			if err := x.Add("new", q, Attrs{}); err != nil {
				t.Fatal(err)
			}
			x.Search(q, 3, nil)
			x.Compact()
			x.Search(q, 3, nil)
		}
	})
}
