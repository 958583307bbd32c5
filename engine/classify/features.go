package classify

import (
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"
)

// FeatureSettings says how text becomes a sparse feature vector. It is
// saved in the model so prediction featurises text exactly as training did.
// The zero value means the defaults given on each field.
type FeatureSettings struct {
	// HashBits is the log2 of the hashed feature space every word and
	// character n-gram is folded into. Zero means 20 (1,048,576 buckets);
	// the range is 10 to 26. Only buckets seen in training keep a weight,
	// so the space can be large without making the model large.
	HashBits int `json:"hash_bits"`
	// WordNGrams is the longest word n-gram: 1 for words only, 2 for words
	// and adjacent pairs. Zero means 2; at most 4.
	WordNGrams int `json:"word_ngrams"`
	// CharMinN and CharMaxN bound the character n-grams taken inside each
	// word marked with boundaries ("<card>" gives "<c", "<ca", "car", ...).
	// Zero means 2 and 5; CharMaxN < 0 turns character n-grams off; at most 8.
	CharMinN int `json:"char_min_n"`
	CharMaxN int `json:"char_max_n"`
	// CharWeight is the share of the vector's squared length given to the
	// character n-gram block; words and word n-grams get the rest. Each
	// block is L2-normalised on its own and the two are mixed with
	// weights sqrt(CharWeight) and sqrt(1-CharWeight), so a short text and
	// a long one weigh both kinds of evidence alike. Zero means 0.5.
	CharWeight float64 `json:"char_weight"`
	// MinDF is the number of training texts a hashed feature must occur in
	// to keep a weight. Zero means 1.
	MinDF int `json:"min_df"`
}

// withDefaults fills zero fields and checks the ranges.
func (s FeatureSettings) withDefaults() (FeatureSettings, error) {
	if s.HashBits == 0 {
		s.HashBits = 20
	}
	if s.WordNGrams == 0 {
		s.WordNGrams = 2
	}
	if s.CharMinN == 0 {
		s.CharMinN = 2
	}
	if s.CharMaxN == 0 {
		s.CharMaxN = 5
	}
	if s.CharWeight == 0 {
		s.CharWeight = 0.5
	}
	if s.MinDF == 0 {
		s.MinDF = 1
	}
	switch {
	case s.HashBits < 10 || s.HashBits > 26:
		return s, fmt.Errorf("classify: hash bits %d out of range 10..26", s.HashBits)
	case s.WordNGrams < 1 || s.WordNGrams > 4:
		return s, fmt.Errorf("classify: word n-grams %d out of range 1..4", s.WordNGrams)
	case s.CharMaxN > 8 || (s.CharMaxN > 0 && (s.CharMinN < 1 || s.CharMinN > s.CharMaxN)):
		return s, fmt.Errorf("classify: character n-grams %d..%d out of range 1..8", s.CharMinN, s.CharMaxN)
	case s.CharWeight < 0 || s.CharWeight > 1:
		return s, fmt.Errorf("classify: char weight %g out of range 0..1", s.CharWeight)
	case s.MinDF < 1:
		return s, fmt.Errorf("classify: min df %d below 1", s.MinDF)
	}
	if s.CharMaxN < 0 {
		s.CharWeight = 0
	}
	return s, nil
}

// Hashing: 64-bit FNV-1a over UTF-8 bytes with a different seed per kind
// of feature (word, character n-gram, word n-gram), finished with a 64-bit
// mixer so the low bits taken as the bucket are well spread. All kinds
// share one space; a text keeps its word and character buckets apart
// (scratch.words, scratch.chars) to weigh the two blocks.
const (
	fnvPrime  = 1099511628211
	seedWord  = 14695981039346656037
	seedChar  = 0x9e3779b97f4a7c15
	seedNGram = 0xc2b2ae3d27d4eb4f
)

// mix64 is the finaliser of MurmurHash3.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// token is one word of a text: where its lower-cased bytes sit in the
// scratch buffer, and its hash.
type token struct {
	start, end int
	hash       uint64
}

// featurizer turns text into hashed feature buckets. It holds no state of
// its own beyond the settings, so one value serves concurrent callers, each
// with its own scratch.
type featurizer struct {
	s    FeatureSettings
	mask uint32
}

func newFeaturizer(s FeatureSettings) featurizer {
	return featurizer{s: s, mask: 1<<uint(s.HashBits) - 1}
}

// scratch is the reusable memory of one featurisation and one prediction.
type scratch struct {
	text    []byte    // the text's words, lower-cased, back to back
	tokens  []token   // words in order, as spans of text
	words   []uint32  // word and word n-gram buckets
	chars   []uint32  // character n-gram buckets
	cols    []int32   // the vector: columns...
	vals    []float32 // ...and their values
	acc     []float32 // one per label
	scores  []float64 // one per label
	order   []int     // labels by score
	runeOff []int     // rune starts of the current word
	seen    []int32   // a set of columns, see weigh
}

// isWordRune says whether r belongs inside a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// isSymbolToken says whether r stands as a word of its own: the question
// and exclamation marks (a question and a complaint read differently),
// currency signs and '%' (which matter in money matters), '#' and '@'
// (order numbers, addresses).
func isSymbolToken(r rune) bool {
	return r == '?' || r == '!' || r == '%' || r == '#' || r == '@' || unicode.Is(unicode.Sc, r)
}

// tokenize lower-cases text into sc.text and sc.tokens. A word is a run of
// letters and digits, with an apostrophe kept between letters ("can't").
func (f *featurizer) tokenize(text string, sc *scratch) {
	sc.text = sc.text[:0]
	sc.tokens = sc.tokens[:0]
	start := -1 // index in sc.text of the current word's first byte, or -1
	end := func() {
		if start < 0 {
			return
		}
		// Drop a trailing apostrophe ("students'").
		for len(sc.text) > start && sc.text[len(sc.text)-1] == '\'' {
			sc.text = sc.text[:len(sc.text)-1]
		}
		sc.tokens = append(sc.tokens, token{start: start, end: len(sc.text)})
		start = -1
	}
	for _, r := range text {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = len(sc.text)
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				sc.text = append(sc.text, byte(r))
			} else {
				sc.text = utf8.AppendRune(sc.text, unicode.ToLower(r))
			}
		case (r == '\'' || r == '’') && start >= 0:
			sc.text = append(sc.text, '\'')
		default:
			end()
			if isSymbolToken(r) {
				s := len(sc.text)
				sc.text = utf8.AppendRune(sc.text, r)
				sc.tokens = append(sc.tokens, token{start: s, end: len(sc.text)})
			}
		}
	}
	end()
}

// buckets featurises text into sc.words and sc.chars (unsorted, with
// repeats).
func (f *featurizer) buckets(text string, sc *scratch) {
	f.tokenize(text, sc)
	sc.words = sc.words[:0]
	sc.chars = sc.chars[:0]
	for i := range sc.tokens {
		t := &sc.tokens[i]
		h := uint64(seedWord)
		for _, b := range sc.text[t.start:t.end] {
			h ^= uint64(b)
			h *= fnvPrime
		}
		t.hash = h
		sc.words = append(sc.words, uint32(mix64(h))&f.mask)
		if f.s.CharMaxN > 0 {
			f.charGrams(sc.text[t.start:t.end], sc)
		}
	}
	for n := 2; n <= f.s.WordNGrams; n++ {
		for i := 0; i+n <= len(sc.tokens); i++ {
			h := uint64(seedNGram) + uint64(n)
			for _, t := range sc.tokens[i : i+n] {
				h = (h ^ t.hash) * fnvPrime
				h = mix64(h)
			}
			sc.words = append(sc.words, uint32(h)&f.mask)
		}
	}
}

// charGrams appends the character n-gram buckets of one word, taken over
// runes of "<word>".
func (f *featurizer) charGrams(word []byte, sc *scratch) {
	// Rune starts of "<" word ">", as offsets into a virtual buffer where
	// offset 0 is '<' and offset len(word)+1 is '>'.
	sc.runeOff = sc.runeOff[:0]
	sc.runeOff = append(sc.runeOff, 0)
	for i := 0; i < len(word); {
		sc.runeOff = append(sc.runeOff, i+1)
		_, size := utf8.DecodeRune(word[i:])
		i += size
	}
	sc.runeOff = append(sc.runeOff, len(word)+1, len(word)+2)
	byteAt := func(i int) byte {
		switch {
		case i == 0:
			return '<'
		case i == len(word)+1:
			return '>'
		}
		return word[i-1]
	}
	nRunes := len(sc.runeOff) - 1
	minN, maxN := f.s.CharMinN, f.s.CharMaxN
	for i := 0; i < nRunes; i++ {
		h := uint64(seedChar)
		for n := 1; n <= maxN && i+n <= nRunes; n++ {
			for j := sc.runeOff[i+n-1]; j < sc.runeOff[i+n]; j++ {
				h ^= uint64(byteAt(j))
				h *= fnvPrime
			}
			if n >= minN {
				sc.chars = append(sc.chars, uint32(mix64(h))&f.mask)
			}
		}
	}
}

// vocabulary maps the hashed buckets seen in training to dense columns and
// holds each column's inverse document frequency.
type vocabulary struct {
	buckets []uint32  // column -> bucket, ascending
	idf     []float32 // column -> idf
	// slots is an open-addressing table from bucket to column, rebuilt
	// from buckets: bucket<<32 | column+1, 0 for an empty slot. It is far
	// smaller than the hashed space, so lookups stay in cache.
	slots []uint64
	mask  uint32
}

// index rebuilds the lookup table from v.buckets.
func (v *vocabulary) index() {
	size := 16
	for size < len(v.buckets)*4/3+1 {
		size *= 2
	}
	v.slots = make([]uint64, size)
	v.mask = uint32(size - 1)
	for c, b := range v.buckets {
		i := b & v.mask
		for v.slots[i] != 0 {
			i = (i + 1) & v.mask
		}
		v.slots[i] = uint64(b)<<32 | uint64(c+1)
	}
}

// lookup returns the column of bucket b, or -1.
func (v *vocabulary) lookup(b uint32) int32 {
	for i := b & v.mask; ; i = (i + 1) & v.mask {
		s := v.slots[i]
		if s == 0 {
			return -1
		}
		if uint32(s>>32) == b {
			return int32(uint32(s)) - 1
		}
	}
}

// sublinear holds 1+ln(tf) for small tf.
var sublinear = func() (t [32]float32) {
	for tf := 1; tf < len(t); tf++ {
		t[tf] = float32(1 + math.Log(float64(tf)))
	}
	return t
}()

// weigh appends the weighted block of buckets to sc.cols and sc.vals:
// sublinear term frequency 1+ln(tf) times idf, normalised to length
// scale. Buckets outside the vocabulary are dropped; columns come in the
// order of their first bucket.
func (v *vocabulary) weigh(buckets []uint32, scale float64, sc *scratch) {
	// Count terms with a small open-addressing set of the block's columns:
	// seen holds 1 + the index in sc.cols of a column, 0 for free.
	bits := 6
	for 1<<bits < 2*len(buckets) {
		bits++
	}
	if cap(sc.seen) < 1<<bits {
		sc.seen = make([]int32, 1<<bits)
	}
	seen := sc.seen[:1<<bits]
	clear(seen)
	mask := uint32(len(seen) - 1)
	first := len(sc.cols)
	for _, b := range buckets {
		c := v.lookup(b)
		if c < 0 {
			continue
		}
		for h := (uint32(c) * 0x9e3779b1) >> (32 - bits); ; h = (h + 1) & mask {
			p := seen[h]
			if p == 0 {
				seen[h] = int32(len(sc.cols) + 1)
				sc.cols = append(sc.cols, c)
				sc.vals = append(sc.vals, 1) // the term count, until weighed below
				break
			}
			if sc.cols[p-1] == c {
				sc.vals[p-1]++
				break
			}
		}
	}
	var sum float64
	for i := first; i < len(sc.cols); i++ {
		tf := int(sc.vals[i])
		var w float32
		if tf < len(sublinear) {
			w = sublinear[tf]
		} else {
			w = float32(1 + math.Log(float64(tf)))
		}
		w *= v.idf[sc.cols[i]]
		sc.vals[i] = w
		sum += float64(w) * float64(w)
	}
	if sum == 0 {
		return
	}
	k := float32(scale / math.Sqrt(sum))
	for i := first; i < len(sc.vals); i++ {
		sc.vals[i] *= k
	}
}

// vector featurises text into sc.cols and sc.vals: the L2-normalised
// TF-IDF vector over the vocabulary, word block and character block each
// normalised and mixed by the settings' char weight.
func (f *featurizer) vector(v *vocabulary, text string, sc *scratch) {
	f.buckets(text, sc)
	sc.cols = sc.cols[:0]
	sc.vals = sc.vals[:0]
	v.weigh(sc.words, math.Sqrt(1-f.s.CharWeight), sc)
	if f.s.CharWeight > 0 {
		v.weigh(sc.chars, math.Sqrt(f.s.CharWeight), sc)
	}
}
