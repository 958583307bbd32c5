package classify

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkCompareFastText trains this package's classifier and the
// fastText command-line tool (Debian package fasttext) on the same
// banking77 split in one run and reports both test accuracies and
// training times side by side. fastText runs with 25 epochs and word
// bigrams, the settings the issue quotes (84.4% here). Skipped when
// fasttext is not installed.
func BenchmarkCompareFastText(b *testing.B) {
	bin, err := exec.LookPath("fasttext")
	if err != nil {
		b.Skip("fasttext is not installed (apt-get install fasttext)")
	}
	train, test := banking77(b, "train"), banking77(b, "test")
	dir := b.TempDir()
	trainFile, testFile := filepath.Join(dir, "train.txt"), filepath.Join(dir, "test.txt")
	writeFastText(b, trainFile, train)
	writeFastText(b, testFile, test)
	for b.Loop() {
		start := time.Now()
		m, err := Train(context.Background(), train, Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		oursTrain := time.Since(start)
		ours := Evaluate(m, test).Accuracy

		start = time.Now()
		model := filepath.Join(dir, "model")
		if out, err := exec.Command(bin, "supervised", "-input", trainFile, "-output", model,
			"-epoch", "25", "-wordNgrams", "2", "-thread", "2", "-verbose", "0").CombinedOutput(); err != nil {
			b.Fatalf("fasttext supervised: %v\n%s", err, out)
		}
		ftTrain := time.Since(start)
		out, err := exec.Command(bin, "test", model+".bin", testFile).Output()
		if err != nil {
			b.Fatalf("fasttext test: %v", err)
		}
		m2 := regexp.MustCompile(`P@1\s+([\d.]+)`).FindSubmatch(out)
		if m2 == nil {
			b.Fatalf("fasttext test printed no P@1:\n%s", out)
		}
		ft, _ := strconv.ParseFloat(string(m2[1]), 64)
		b.ReportMetric(ours, "sift-accuracy")
		b.ReportMetric(ft, "fasttext-accuracy")
		b.ReportMetric(oursTrain.Seconds(), "sift-train-s")
		b.ReportMetric(ftTrain.Seconds(), "fasttext-train-s")
		b.Logf("banking77 test accuracy: sift %.4f (trained in %s), fastText %.4f (trained in %s)", ours, oursTrain.Round(time.Millisecond), ft, ftTrain.Round(time.Millisecond))
	}
}

// writeFastText writes examples in fastText's format: __label__X text.
func writeFastText(b *testing.B, path string, examples []Example) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, ex := range examples {
		text := strings.Join(strings.Fields(strings.ToLower(ex.Text)), " ")
		fmt.Fprintf(w, "__label__%s %s\n", strings.ReplaceAll(ex.Label, " ", "_"), text)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}
