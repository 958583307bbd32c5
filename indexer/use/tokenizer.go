package use

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// The tokenizer reproduces, decision for decision, the SentencePiece unigram
// tokenizer that ships with the TF.js Universal Sentence Encoder lite (and
// with @energetic-ai/embeddings), since the model was trained on its output:
//
//   - the text is NFKC-normalised; a non-empty text gets a leading "▁" and each
//     ASCII space becomes "▁" (tabs and new lines stay as they are);
//   - every position gets the vocabulary pieces that start there (found in a
//     trie of the pieces, reserved ids 0-5 left out); a position where no
//     piece starts gets a one-symbol unknown piece (id 0, score 0);
//   - a Viterbi pass keeps, for each end position, the highest total score,
//     with the reference's quirks kept: a best score of exactly 0 counts as
//     unset, ties go to the later candidate, and missing scores (null in
//     vocab.json) count as 0;
//   - the best path is read backwards, stepping by each piece's length in
//     UTF-16 code units, and consecutive unknown pieces merge into one.

const (
	// pieceSeparator replaces spaces and starts every non-empty text.
	pieceSeparator = '\u2581'
	// reservedPieces is the number of leading vocabulary entries (unknown,
	// <s>, </s>, three extra ids) that never match text.
	reservedPieces = 6
	// unknownID is the id of the unknown piece.
	unknownID = 0
)

// trieNode is one node of the vocabulary trie, keyed by code point.
type trieNode struct {
	children map[rune]*trieNode
	end      bool    // a piece ends here
	score    float64 // its score
	id       int32   // its id
	runes    int     // its length in code points
}

// tokenizer is a SentencePiece unigram tokenizer over the model's vocabulary.
// It is read-only after construction and safe for concurrent use.
type tokenizer struct {
	root     trieNode
	stepLen  []int // per id: length of the piece in UTF-16 code units
	maxRunes int   // longest piece, in code points
}

// newTokenizer builds a tokenizer from vocab.json: an array of
// [piece, score] pairs whose index is the token id.
func newTokenizer(vocabJSON []byte) (*tokenizer, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal(vocabJSON, &raw); err != nil {
		return nil, fmt.Errorf("vocab.json: %w", err)
	}
	if len(raw) <= reservedPieces {
		return nil, fmt.Errorf("vocab.json: %d pieces, want more than %d", len(raw), reservedPieces)
	}
	t := &tokenizer{stepLen: make([]int, len(raw))}
	for id, pair := range raw {
		if len(pair) != 2 {
			return nil, fmt.Errorf("vocab.json: entry %d has %d fields, want 2", id, len(pair))
		}
		var piece string
		if err := json.Unmarshal(pair[0], &piece); err != nil {
			return nil, fmt.Errorf("vocab.json: entry %d piece: %w", id, err)
		}
		var score *float64 // null in a few entries; JavaScript adds it as 0
		if err := json.Unmarshal(pair[1], &score); err != nil {
			return nil, fmt.Errorf("vocab.json: entry %d score: %w", id, err)
		}
		t.stepLen[id] = len(utf16.Encode([]rune(piece)))
		if id < reservedPieces || piece == "" {
			continue
		}
		var s float64
		if score != nil {
			s = *score
		}
		t.insert(piece, s, int32(id))
	}
	return t, nil
}

// insert adds a piece; a piece seen again replaces the earlier entry, as in
// the reference trie.
func (t *tokenizer) insert(piece string, score float64, id int32) {
	node := &t.root
	n := 0
	for _, r := range piece {
		if node.children == nil {
			node.children = make(map[rune]*trieNode)
		}
		child := node.children[r]
		if child == nil {
			child = &trieNode{}
			node.children[r] = child
		}
		node = child
		n++
	}
	node.end, node.score, node.id, node.runes = true, score, id, n
	t.maxRunes = max(t.maxRunes, n)
}

// prepare normalises text the way the reference does before tokenising and
// returns its code points.
func prepare(text string) []rune {
	normalized := norm.NFKC.String(text)
	if normalized == "" {
		return nil
	}
	runes := make([]rune, 0, len(normalized)+1)
	runes = append(runes, pieceSeparator)
	for _, r := range normalized { // invalid UTF-8 reads as U+FFFD
		if r == ' ' {
			r = pieceSeparator
		}
		runes = append(runes, r)
	}
	return runes
}

// encode returns the token ids of text, without any length limit.
func (t *tokenizer) encode(text string) []int32 {
	symbols := prepare(text)
	n := len(symbols)
	if n == 0 {
		return nil
	}
	best := make([]float64, n+1)
	words := make([]int32, n+1)
	relax := func(end int, score float64, id int32) {
		if best[end] == 0 || score >= best[end] {
			best[end] = score
			words[end] = id
		}
	}
	// Candidates ending at a position are relaxed in increasing order of
	// their start, as the reference does; best[i] is final when position i
	// is reached, since every piece ending at i starts before it.
	for i := range n {
		node := t.root.children[symbols[i]]
		found := false
		for j := i; node != nil; {
			if node.end {
				found = true
				relax(i+node.runes, node.score+best[i], node.id)
			}
			j++
			if j >= n {
				break
			}
			node = node.children[symbols[j]]
		}
		if !found {
			relax(i+1, best[i], unknownID)
		}
	}
	// Read the best path backwards, merging runs of unknown pieces.
	var reversed []int32
	prevUnknown := false
	for iter := n; iter > 0; {
		id := words[iter]
		if !(prevUnknown && id == unknownID) {
			reversed = append(reversed, id)
		}
		prevUnknown = id == unknownID
		iter -= max(t.stepLen[id], 1)
	}
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	return reversed
}

// splitChunks splits ids into the fewest chunks of at most size tokens,
// balanced so that their lengths differ by at most one (the earlier chunks
// are the longer ones). It returns no chunk for no ids.
func splitChunks(ids []int32, size int) [][]int32 {
	if len(ids) == 0 {
		return nil
	}
	n := (len(ids) + size - 1) / size
	base, extra := len(ids)/n, len(ids)%n
	chunks := make([][]int32, 0, n)
	for i := range n {
		l := base
		if i < extra {
			l++
		}
		chunks = append(chunks, ids[:l:l])
		ids = ids[l:]
	}
	return chunks
}
