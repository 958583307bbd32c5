package models

import "unicode"

// Code is a code-like word of a text: an error code, identifier, version
// or model number ("E-403", "0x80070005", "KB5034441", "4.2.1"), and
// where it sits in the text, in bytes.
type Code struct {
	Text       string
	Start, End int
}

// Codes returns the code-like words of text, in order: runs of ASCII
// letters and digits, joined by single hyphens, dots or underscores, that
// hold a digit and also a letter or a joining mark ("E-403", "4.2.1"), or
// that are joined capitals ("GW-OUTAGE", "FW_VERIFY"). Plain numbers and
// words are not codes.
func Codes(text string) []Code {
	var out []Code
	isAlnum := func(b byte) bool { return b < 0x80 && (unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b))) }
	for i := 0; i < len(text); {
		if !isAlnum(text[i]) || i > 0 && (isAlnum(text[i-1]) || text[i-1] >= 0x80) {
			i++
			continue
		}
		end, digit, letter, lower, joined := i, false, false, false, false
		for j := i; j < len(text); j++ {
			b := text[j]
			switch {
			case isAlnum(b):
				digit = digit || '0' <= b && b <= '9'
				letter = letter || !('0' <= b && b <= '9')
				lower = lower || 'a' <= b && b <= 'z'
				end = j + 1
				continue
			case (b == '-' || b == '.' || b == '_') && j+1 < len(text) && isAlnum(text[j+1]) && j > i && isAlnum(text[j-1]):
				joined = true
				continue
			}
			break
		}
		if end < len(text) && text[end] >= 0x80 {
			i = end + 1 // part of a longer non-ASCII word
			continue
		}
		if digit && (letter || joined) || joined && letter && !lower {
			out = append(out, Code{Text: text[i:end], Start: i, End: end})
		}
		i = end + 1
	}
	return out
}
