package typeahead

import "encoding/binary"

// Testing whether a candidate's word completes the typed prefix is the
// inner loop of every query that ends in a prefix. Comparing the first
// eight bytes of the two as numbers answers it for prefixes of up to eight
// bytes, nearly all of them, without reading the word itself.

// wordHead is the first eight bytes of a word, as a big-endian number
// padded with zeros, and its length.
type wordHead struct {
	bits uint64
	size int
}

// prefixHead is a prefix to test word heads against: a word starts with
// it when its head's bits under mask equal bits, and, for prefixes longer
// than eight bytes, when the rest of text matches too.
type prefixHead struct {
	bits, mask uint64
	size       int // bytes of text
	text       string
	dist       int // edits between the typed word and text
}

// headBits returns the first eight bytes of s as a big-endian number,
// padded with zeros.
func headBits(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

// newPrefixHead returns the test for words starting with prefix, a match
// dist edits from what was typed.
func newPrefixHead(prefix string, dist int) prefixHead {
	n := min(len(prefix), 8)
	mask := ^uint64(0) << (64 - 8*n)
	if n == 0 {
		mask = 0
	}
	return prefixHead{bits: headBits(prefix) & mask, mask: mask, size: len(prefix), text: prefix, dist: dist}
}
