package classify

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// demoDir holds the demo corpus: labelled tickets and a held-out split.
var demoDir = filepath.Join("..", "..", "testdata", "demo")

// demo reads the demo tickets (file "tickets" or "tickets-heldout") with
// subject and body as text and field as label.
func demo(t testing.TB, file, field string) []Example {
	t.Helper()
	ex, err := ReadExamples(filepath.Join(demoDir, file+".jsonl"), []string{"subject", "body"}, field)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// The demo category model, trained once and shared by the tests that only
// read it.
var (
	demoOnce  sync.Once
	demoModel *Model
	demoErr   error
)

func demoCategoryModel(t *testing.T) *Model {
	t.Helper()
	train := demo(t, "tickets", "category")
	demoOnce.Do(func() {
		demoModel, demoErr = Train(context.Background(), train, Options{Seed: 1})
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoModel
}

// toy generates a separable problem: each label has its own words, mixed
// with filler words every label uses.
func toy(seed uint64, perLabel int) []Example {
	vocab := map[string][]string{
		"billing":  {"invoice", "charged", "refund", "payment", "receipt", "vat"},
		"shipping": {"parcel", "courier", "delivery", "tracking", "dispatch", "postcode"},
		"login":    {"password", "locked", "sign-in", "2fa", "username", "reset"},
		"printer":  {"toner", "paper", "jam", "tray", "duplex", "spooler"},
	}
	filler := []string{"please", "help", "my", "the", "is", "not", "working", "today", "again", "hi"}
	r := rand.New(rand.NewPCG(seed, 7))
	var out []Example
	for _, label := range []string{"billing", "login", "printer", "shipping"} {
		words := vocab[label]
		for range perLabel {
			var parts []string
			for range 2 + r.IntN(3) {
				parts = append(parts, filler[r.IntN(len(filler))])
			}
			for range 1 + r.IntN(2) {
				parts = append(parts, words[r.IntN(len(words))])
			}
			r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			out = append(out, Example{Text: strings.Join(parts, " "), Label: label})
		}
	}
	return out
}

func TestTrainSeparable(t *testing.T) {
	train := toy(1, 40)
	m, err := Train(context.Background(), train, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Labels(), []string{"billing", "login", "printer", "shipping"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Labels() = %q, want %q", got, want)
	}
	for name, set := range map[string][]Example{"train": train, "new": toy(2, 25)} {
		r := Evaluate(m, set)
		if r.Accuracy != 1 {
			for _, e := range set {
				if p := m.Predict(e.Text, nil); p.Label != e.Label {
					t.Errorf("%s: Predict(%q) = %s (%.2f), want %s", name, e.Text, p.Label, p.Confidence, e.Label)
				}
			}
		}
	}
	p := m.Predict("the courier lost my parcel", nil)
	if p.Label != "shipping" || len(p.Alternatives) != 3 || p.Alternatives[0].Label != p.Label ||
		p.Alternatives[0].Confidence != p.Confidence || p.Alternatives[1].Confidence > p.Confidence ||
		p.Alternatives[2].Confidence > p.Alternatives[1].Confidence {
		t.Errorf("Predict = %+v, want shipping first of three alternatives in order", p)
	}
	var sum float64
	for _, a := range p.Alternatives {
		sum += a.Confidence
	}
	if sum > 1+1e-9 {
		t.Errorf("alternatives' confidences sum to %g, over 1", sum)
	}
}

// TestDemoHeldOut trains on the demo tickets' categories and scores the
// held-out split (134 tickets, 16 categories). Training is deterministic
// for a seed, so the score is fixed for this code: 0.843 accuracy with
// Seed 1 (0.836 to 0.851 over seeds 0 to 5). The floor, 0.78, sits about
// two standard errors of an accuracy on 134 tickets (sqrt(p(1-p)/134) ≈
// 0.03) below it, so a real regression fails the test and a change of
// seed does not; guessing the most frequent category scores 0.11, and the
// same model on word unigrams alone 0.77.
func TestDemoHeldOut(t *testing.T) {
	m := demoCategoryModel(t)
	r := Evaluate(m, demo(t, "tickets-heldout", "category"))
	t.Logf("category: accuracy %.3f, macro-F1 %.3f, ECE %.3f, threshold %.3f answers %.0f%% at accuracy %.3f",
		r.Accuracy, r.MacroF1, r.ECE, r.Threshold, 100*r.Coverage, r.AnsweredAccuracy)
	const floor = 0.78
	if r.Accuracy < floor {
		t.Errorf("category accuracy %.3f below the floor %.2f", r.Accuracy, floor)
	}
	if r.MacroF1 < floor-0.03 {
		t.Errorf("category macro-F1 %.3f below %.2f", r.MacroF1, floor-0.03)
	}
}

// TestCalibrationBanking77 trains on 25 examples of each banking77 intent
// and checks the expected calibration error on half the test split (1,540
// texts). Over seeds 0 to 4 it measures 0.012 to 0.031 (0.031 with Seed
// 1); the same models at temperature 1 measure 0.36, being far too
// unsure, so the bound of 0.05 tells calibrated from not with room for
// sampling noise.
func TestCalibrationBanking77(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on 1,925 banking77 texts")
	}
	all := banking77(t, "train")
	seen := map[string]int{}
	var train []Example
	for _, e := range all {
		if seen[e.Label] < 25 {
			seen[e.Label]++
			train = append(train, e)
		}
	}
	var test []Example
	for i, e := range banking77(t, "test") {
		if i%2 == 0 {
			test = append(test, e)
		}
	}
	m, err := Train(context.Background(), train, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(m, test)
	t.Logf("banking77, 25 per intent: accuracy %.3f, macro-F1 %.3f, ECE %.3f, temperature %.3f",
		r.Accuracy, r.MacroF1, r.ECE, m.Manifest().Temperature)
	if r.ECE > 0.05 {
		var b strings.Builder
		r.Format(&b)
		t.Errorf("ECE %.3f above 0.05\n%s", r.ECE, b.String())
	}
	if r.Accuracy < 0.70 {
		t.Errorf("accuracy %.3f below 0.70", r.Accuracy)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	toyDense := toy(5, 20)
	r := rand.New(rand.NewPCG(9, 9))
	for i := range toyDense {
		toyDense[i].Dense = []float32{r.Float32(), r.Float32() - 0.5, float32(i % 4)}
	}
	dense, err := Train(context.Background(), toyDense, Options{Seed: 2, Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*Model{"demo": demoCategoryModel(t), "dense": dense} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			got, err := Load(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Manifest(), m.Manifest()) {
				t.Errorf("manifest after load:\n%+v\nwant\n%+v", got.Manifest(), m.Manifest())
			}
			texts := append(demo(t, "tickets-heldout", "category"), toyDense...)
			for _, e := range texts {
				want, have := m.Predict(e.Text, e.Dense), got.Predict(e.Text, e.Dense)
				if !reflect.DeepEqual(have, want) {
					t.Fatalf("Predict(%q) after load = %+v, want %+v", e.Text, have, want)
				}
			}
		})
	}
}

// TestLoadVersion1 reads a model file of format 1, written before models
// kept their labels' centroids: it loads, predicts as before, counts
// every text as familiar (so abstains on confidence alone), and is saved
// again as version 1, still without centroids.
func TestLoadVersion1(t *testing.T) {
	m := demoCategoryModel(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	// Rewrite the file as version 1: no centroid block after the weights.
	file := buf.Bytes()
	body := slices.Clone(file[20 : len(file)-4-4*len(m.centroid)])
	old := binary.LittleEndian.AppendUint32([]byte(magic), 1)
	old = binary.LittleEndian.AppendUint64(old, uint64(len(body)))
	old = append(old, body...)
	old = binary.LittleEndian.AppendUint32(old, crc32.Checksum(body, castagnoli))
	got, err := Load(bytes.NewReader(old))
	if err != nil {
		t.Fatalf("loading a version 1 file: %v", err)
	}
	for _, e := range demo(t, "tickets-heldout", "category")[:20] {
		want, have := m.Predict(e.Text, nil), got.Predict(e.Text, nil)
		if have.Label != want.Label || have.Confidence != want.Confidence || have.Familiarity != 1 ||
			have.Support != have.Confidence || have.Abstain != (have.Confidence < got.Threshold()) {
			t.Fatalf("Predict(%q) from version 1 = %+v, want %s at %.3f, familiarity 1, support = confidence", e.Text, have, want.Label, want.Confidence)
		}
	}
	buf.Reset()
	if err := got.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(buf.Bytes()[8:]); v != 1 || buf.Len() != len(old) {
		t.Errorf("saved again as version %d, %d bytes; want version 1, %d bytes as read", v, buf.Len(), len(old))
	}
	if _, err := Load(&buf); err != nil {
		t.Errorf("loading it back: %v", err)
	}
}

func TestLoadCorrupt(t *testing.T) {
	m, err := Train(context.Background(), toy(1, 10), Options{Seed: 1, Epochs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated header"},
		{"text", []byte("label,text\nbilling,refund please\n"), "bad magic"},
		{"gob", edit(func(b []byte) []byte { copy(b, "\x0e\xff\x81\x03\x01\x01"); return b }), "bad magic"},
		{"version", edit(func(b []byte) []byte { b[8] = 99; return b }), "version 99"},
		{"header only", good[:20], "truncated"},
		{"half", good[:len(good)/2], "truncated"},
		{"no checksum", good[:len(good)-1], "truncated"},
		{"flipped weight", edit(func(b []byte) []byte { b[len(b)-20] ^= 0x40; return b }), "checksum"},
		{"flipped manifest", edit(func(b []byte) []byte { b[30] ^= 1; return b }), "checksum"},
		{"huge length", edit(func(b []byte) []byte { b[19] = 0x7f; return b }), "body of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(bytes.NewReader(tc.data))
			if err == nil {
				t.Fatalf("Load returned a model with %d labels, want an error", len(m.Labels()))
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error %q, want ErrCorrupt mentioning %q", err, tc.want)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("disk on fire")
		_, err := Load(&failingReader{data: good[:100], err: boom})
		if !errors.Is(err, boom) || errors.Is(err, ErrCorrupt) {
			t.Errorf("Load error %v, want the read error and not ErrCorrupt", err)
		}
	})
	t.Run("trailing data is left unread", func(t *testing.T) {
		r := bytes.NewReader(append(bytes.Clone(good), "next"...))
		if _, err := Load(r); err != nil {
			t.Fatal(err)
		}
		if r.Len() != 4 {
			t.Errorf("Load left %d bytes, want the 4 after the model", r.Len())
		}
	})
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func FuzzLoad(f *testing.F) {
	m, err := Train(context.Background(), toy(1, 6), Options{Seed: 1, Epochs: 1, Features: FeatureSettings{HashBits: 12}})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		f.Fatal(err)
	}
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte(magic))
	f.Add(good[20 : len(good)-4]) // a body, for decode
	f.Fuzz(func(t *testing.T, data []byte) {
		// Load checks the checksum, which random changes rarely pass, so
		// also decode the input as a body whose checksum passed.
		for _, load := range []func([]byte) (*Model, error){
			func(b []byte) (*Model, error) { return Load(bytes.NewReader(b)) },
			func(b []byte) (*Model, error) { return decode(b, formatVersion) },
			func(b []byte) (*Model, error) { return decode(b, 1) },
		} {
			m, err := load(data)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("error %v does not wrap ErrCorrupt", err)
				}
				continue
			}
			p := m.Predict("my parcel has not arrived", nil)
			if len(p.Alternatives) == 0 || math.IsNaN(p.Confidence) {
				t.Errorf("loaded model predicts %+v", p)
			}
		}
	})
}

func TestAbstain(t *testing.T) {
	m := demoCategoryModel(t)
	mf := m.Manifest()
	if th := m.Threshold(); th <= 0 || th >= 1 || th != mf.AbstainThreshold {
		t.Fatalf("chosen threshold %g (manifest %g), want in (0, 1) on the demo tickets", th, mf.AbstainThreshold)
	}
	// The threshold is the lowest at which the held-out answers kept reach
	// 90% precision.
	if mf.HeldOut.Precision < 0.9 || mf.HeldOut.Coverage <= 0 || mf.HeldOut.Coverage >= 1 {
		t.Errorf("held out at the threshold: precision %.3f coverage %.3f, want precision >= 0.9 with some but not all answered",
			mf.HeldOut.Precision, mf.HeldOut.Coverage)
	}
	heldout := demo(t, "tickets-heldout", "category")
	var abstained int
	for _, e := range heldout {
		p := m.Predict(e.Text, nil)
		if want := p.Confidence * math.Sqrt(p.Familiarity); math.Abs(p.Support-want) > 1e-12 || p.Familiarity < 0 || p.Familiarity > 1 {
			t.Errorf("Predict(%q): support %.4f, want confidence %.4f × √familiarity %.4f", e.Text, p.Support, p.Confidence, p.Familiarity)
		}
		if p.Abstain != (p.Support < m.Threshold()) {
			t.Errorf("Predict(%q): abstain %v at support %.3f, threshold %.3f", e.Text, p.Abstain, p.Support, m.Threshold())
		}
		if p.Abstain {
			abstained++
		}
	}
	if abstained == 0 || abstained == len(heldout) {
		t.Errorf("abstained on %d of %d held-out tickets, want some", abstained, len(heldout))
	}
	if p := m.Predict("", nil); !p.Abstain {
		t.Errorf("Predict(\"\") = %+v, want an abstention", p)
	}

	train := toy(1, 20)
	for _, tc := range []struct {
		name      string
		threshold float64
		want      float64
	}{
		{"fixed", 0.999, 0.999},
		{"never", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Train(context.Background(), train, Options{Seed: 1, Epochs: 3, AbstainThreshold: tc.threshold})
			if err != nil {
				t.Fatal(err)
			}
			if m.Threshold() != tc.want {
				t.Fatalf("Threshold() = %g, want %g", m.Threshold(), tc.want)
			}
			for _, e := range train {
				if p := m.Predict(e.Text, nil); p.Abstain != (p.Confidence < tc.want) {
					t.Fatalf("Predict(%q) = %+v with threshold %g", e.Text, p, tc.want)
				}
			}
		})
	}
}

func TestChooseThreshold(t *testing.T) {
	o := func(conf float64, correct bool) outcome { return outcome{conf, correct} }
	cases := []struct {
		name     string
		outcomes []outcome
		target   float64
		want     float64
	}{
		{"all good enough", []outcome{o(0.9, true), o(0.8, true), o(0.3, true)}, 0.9, 0},
		{"cut after the confident", []outcome{o(0.95, true), o(0.9, true), o(0.85, true), o(0.6, false), o(0.5, false)}, 0.9, 0.85},
		{"a confident error allowed", []outcome{o(0.99, false), o(0.9, true), o(0.9, true), o(0.8, true), o(0.8, true), o(0.7, true), o(0.7, true), o(0.7, true), o(0.7, true), o(0.6, true), o(0.2, false), o(0.1, false)}, 0.9, 0.6},
		{"ties cut together", []outcome{o(0.9, true), o(0.7, true), o(0.7, false)}, 0.9, 0.9},
		{"never reached", []outcome{o(0.9, false), o(0.5, false)}, 0.9, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := chooseThreshold(tc.outcomes, tc.target); got != tc.want {
				t.Errorf("chooseThreshold = %g, want %g", got, tc.want)
			}
		})
	}
}

func TestFitTemperature(t *testing.T) {
	// Logits that are right 3 times in 4 with a margin of 4: the fitted
	// temperature makes the top probability about 0.75.
	var logits []float64
	var gold []int
	for i := range 400 {
		logits = append(logits, 4, 0, 0)
		y := 0
		if i%4 == 3 {
			y = 1 + i%2
		}
		gold = append(gold, y)
	}
	temp := fitTemperature(logits, gold, 3)
	s := []float64{4, 0, 0}
	softmax(s, temp)
	if math.Abs(s[0]-0.75) > 0.01 {
		t.Errorf("temperature %.3f gives top probability %.3f, want 0.75", temp, s[0])
	}
}

func TestTrainCancel(t *testing.T) {
	train := demo(t, "tickets", "category")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, train, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Train with a cancelled context: %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Train(ctx, train, Options{Epochs: 100000})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Train past its deadline: %v, want context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Train stopped %v after start, deadline 100ms", el)
	}
}

func TestTrainErrors(t *testing.T) {
	cases := []struct {
		name     string
		examples []Example
		opts     Options
		want     string
	}{
		{"none", nil, Options{}, "at least two labels"},
		{"one label", []Example{{Text: "a", Label: "x"}, {Text: "b", Label: "x"}}, Options{}, "at least two labels"},
		{"empty label", []Example{{Text: "a", Label: "x"}, {Text: "b"}}, Options{}, "example 2 has no label"},
		{"dense lengths", []Example{{Text: "a", Label: "x"}, {Text: "a", Label: "x", Dense: []float32{1, 2}}, {Text: "b", Label: "y", Dense: []float32{1}}}, Options{}, "example 3 has a dense vector of 1 values, example 2 of 2"},
		{"validation", toy(1, 3), Options{ValidationFraction: 0.6}, "validation fraction"},
		{"hash bits", toy(1, 3), Options{Features: FeatureSettings{HashBits: 40}}, "hash bits"},
		{"char n-grams", toy(1, 3), Options{Features: FeatureSettings{CharMinN: 6, CharMaxN: 3}}, "character n-grams"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Train(context.Background(), tc.examples, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Train error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestDeterministic: the same seed gives the same model whatever the number
// of workers.
func TestDeterministic(t *testing.T) {
	train := toy(3, 30)
	var preds [][]Prediction
	for _, workers := range []int{1, 2, 3} {
		m, err := Train(context.Background(), train, Options{Seed: 4, Epochs: 4, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var p []Prediction
		for _, e := range toy(8, 5) {
			p = append(p, m.Predict(e.Text, nil))
		}
		preds = append(preds, p)
	}
	for i := 1; i < len(preds); i++ {
		if !reflect.DeepEqual(preds[i], preds[0]) {
			t.Errorf("predictions with %d workers differ from those with 1", i+1)
		}
	}
}

// TestDenseFeatures: when the text says nothing, the dense vector alone
// decides.
func TestDenseFeatures(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	labels := []string{"a", "b", "c"}
	gen := func(n int) []Example {
		var out []Example
		for i := range n {
			y := i % 3
			v := make([]float32, 8)
			for j := range v {
				v[j] = float32(r.NormFloat64() * 0.3)
			}
			v[y] += 2
			out = append(out, Example{Text: "please help with my ticket", Dense: v, Label: labels[y]})
		}
		return out
	}
	train := gen(150)
	// An example without a vector counts as all zeros.
	train = append(train, Example{Text: "please help with my ticket", Label: "a"})
	m, err := Train(context.Background(), train, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.DenseDim() != 8 {
		t.Errorf("DenseDim() = %d, want 8", m.DenseDim())
	}
	if r := Evaluate(m, gen(60)); r.Accuracy < 0.95 {
		t.Errorf("accuracy from dense features %.3f, want at least 0.95", r.Accuracy)
	}
	// A dense vector of the wrong length counts as absent.
	text := "please help with my ticket"
	if a, b := m.Predict(text, []float32{1, 2, 3}), m.Predict(text, nil); !reflect.DeepEqual(a, b) || len(a.Alternatives) != 3 {
		t.Errorf("Predict with a short dense vector = %+v, without = %+v; want the same three alternatives", a, b)
	}
}

func TestTokenize(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"I can't log in!!", []string{"i", "can't", "log", "in", "!", "!"}},
		{"Refund £25.00 to my card?", []string{"refund", "£", "25", "00", "to", "my", "card", "?"}},
		{"ÉCOLE café’s students' laptops", []string{"école", "café's", "students", "laptops"}},
		{"  ---  ", nil},
		{"VPN-down, 100% ASAP", []string{"vpn", "down", "100", "%", "asap"}},
	}
	f := newFeaturizer(FeatureSettings{})
	var sc scratch
	for _, tc := range cases {
		f.tokenize(tc.text, &sc)
		var got []string
		for _, tok := range sc.tokens {
			got = append(got, string(sc.text[tok.start:tok.end]))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestFeatureCounts(t *testing.T) {
	f := newFeaturizer(FeatureSettings{HashBits: 20, WordNGrams: 2, CharMinN: 2, CharMaxN: 5})
	var sc scratch
	f.buckets("card ok", &sc)
	// Words: card, ok, "card ok". Characters of "<card>" (6 runes): 5
	// bigrams, 4 trigrams, 3 four-grams, 2 five-grams; of "<ok>" (4 runes):
	// 3 + 2 + 1.
	if len(sc.words) != 3 || len(sc.chars) != 14+6 {
		t.Errorf("buckets: %d word and %d character features, want 3 and 20", len(sc.words), len(sc.chars))
	}
	f.buckets("ça", &sc) // runes, not bytes: "<ça>" has 4 runes
	if len(sc.chars) != 3+2+1 {
		t.Errorf("buckets(ça): %d character features, want 6", len(sc.chars))
	}
}

func TestEvaluateReport(t *testing.T) {
	bins, ece := reliability([]outcome{{0.95, true}, {0.95, false}, {0.55, true}, {0.05, false}}, 10)
	if bins[9].Count != 2 || bins[9].Accuracy != 0.5 || bins[5].Count != 1 || bins[0].Count != 1 {
		t.Errorf("bins = %+v", bins)
	}
	// |0.5-0.95|*2 + |1-0.55| + |0-0.05|, over 4.
	if want := (0.9 + 0.45 + 0.05) / 4; math.Abs(ece-want) > 1e-12 {
		t.Errorf("ECE = %g, want %g", ece, want)
	}
	acc, f1, classes := classScores([]string{"a", "a", "b", "b"}, []string{"a", "b", "b", "b"})
	if acc != 0.75 || len(classes) != 2 || classes[0].Recall != 0.5 || classes[1].Precision != 2.0/3 {
		t.Errorf("classScores = %v %+v", acc, classes)
	}
	if want := (2.0/3 + 0.8) / 2; math.Abs(f1-want) > 1e-12 {
		t.Errorf("macro-F1 = %g, want %g", f1, want)
	}

	m := demoCategoryModel(t)
	r := Evaluate(m, demo(t, "tickets-heldout", "category"))
	var out bytes.Buffer
	if err := r.Format(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"accuracy", "macro-F1", "ECE", "texts/s", "network_vpn", "0.9-1.0", "mean confidence"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n < 7+1+1+16+1+1+10 {
		t.Errorf("report has %d lines, want the summary, 16 classes and 10 bins:\n%s", n, text)
	}
}

func TestReadExamples(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("csv", func(t *testing.T) {
		path := write("a.csv", "text,category\n\"Card, still not here\",card_arrival\n\"two\nlines\",other\n")
		got, err := ReadExamples(path, []string{"text"}, "category")
		if err != nil {
			t.Fatal(err)
		}
		want := []Example{{Text: "Card, still not here", Label: "card_arrival"}, {Text: "two\nlines", Label: "other"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("jsonl", func(t *testing.T) {
		path := write("a.jsonl", `{"subject":"VPN down","body":"Since 9am.","group":"Network Ops"}`+"\n\n"+
			`{"subject":"","body":"Printer jam","group":"Device Support","priority":3}`+"\n")
		got, err := ReadExamples(path, []string{"subject", "body"}, "group")
		if err != nil {
			t.Fatal(err)
		}
		want := []Example{{Text: "VPN down\nSince 9am.", Label: "Network Ops"}, {Text: "Printer jam", Label: "Device Support"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("demo", func(t *testing.T) {
		if got := demo(t, "tickets", "department"); len(got) != 536 || !strings.Contains(got[0].Text, "\n") {
			t.Errorf("read %d demo tickets (first %q), want 536 with subject and body", len(got), got[0].Text)
		}
	})
	bad := []struct {
		name, file, content string
		want                []string
	}{
		{"jsonl lines", "b.jsonl", `{"text":"ok","label":"x"}` + "\n" + `{"text":"broken"` + "\n" + `{"text":"no label"}` + "\n" + `{"text":7,"label":"x"}` + "\n",
			[]string{"line 2: invalid JSON", "line 3: no label", `line 4: field "text" is not a string`}},
		{"csv fields", "b.csv", "text,label\nok,x\ntoo,many,fields\n,\n", []string{"line 3: 3 fields, header has 2", `line 4: empty label "label"`}},
		{"csv quote", "c.csv", "text,label\n\"open quote,x\n", []string{"line 2"}},
		{"csv column", "d.csv", "body,label\nok,x\n", []string{`no column "text"`}},
		{"many", "m.jsonl", strings.Repeat("nope\n", 25), []string{"line 1:", "line 10:", "and 15 more bad lines"}},
		{"missing", "none.csv", "", []string{"no such file"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if tc.content != "" {
				path = write(tc.file, tc.content)
			}
			_, err := ReadExamples(path, []string{"text"}, "label")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"subject":"a","body":"b","category":"c"}` + "\n"))
	f.Add([]byte("{\"subject\":null,\"category\":\"\"}\n\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := readJSONL(data, []string{"subject", "body"}, "category")
		for _, e := range ex {
			if e.Label == "" {
				t.Errorf("example without a label: %+v (err %v)", e, err)
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("text,category\nhello,greeting\n"))
	f.Add([]byte("text,category\n\"a\"\"b\",c\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := readCSV(data, []string{"text"}, "category")
		for _, e := range ex {
			if e.Label == "" {
				t.Errorf("example without a label: %+v (err %v)", e, err)
			}
		}
	})
}

func FuzzPredict(f *testing.F) {
	m, err := Train(context.Background(), toy(1, 10), Options{Seed: 1, Epochs: 2})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "refund", "ÇA VA?? 💳 £5", "a'b'c'' '' x", strings.Repeat("z", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p := m.Predict(text, nil)
		var sum float64
		for _, a := range p.Alternatives {
			sum += a.Confidence
		}
		if len(p.Alternatives) != 3 || math.IsNaN(p.Confidence) || sum > 1+1e-9 {
			t.Errorf("Predict(%q) = %+v", text, p)
		}
	})
}
