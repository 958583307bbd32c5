package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind tells words from emoticons and emoji.
type tokenKind uint8

const (
	kindWord tokenKind = iota
	kindEmoticon
	kindEmoji
)

// token is one unit of the analysed text. A contraction such as "doesn't" may become
// several tokens (or merge with a neighbour); all of them keep the byte span of the text
// they came from, so evidence can be quoted as written.
type token struct {
	norm       string   // canonical lower-case form ("not" for "n't"), or the emoticon/emoji key
	forms      []string // norm and its candidate base forms (see forms); just norm for non-words
	start, end int      // byte span in the original text
	kind       tokenKind
	caps       bool // written in capitals (three letters or more), e.g. "AGAIN"
	sentence   int  // index into the sentences slice
	clause     int  // increases at commas, colons, semicolons, dashes and "but"
}

// sentence records the punctuation that ends or fills one sentence.
type sentence struct {
	question bool // ends with "?"
	exclaims int  // number of "!" in the sentence
	queries  int  // number of "?" in runs of two or more ("??")
}

// tokenized is the result of splitting a text.
type tokenized struct {
	tokens    []token
	sentences []sentence
}

// emoticons are recognised before punctuation is stripped; longest first.
var emoticons = []string{
	">:(", ":'(", ":-)", ":-(", ":-D", ":-P", ":-/", ";-)",
	":)", ":(", ":D", ":P", ":p", ":/", ":|", ";)", "=)", "=(", "<3",
}

// contractions maps apostrophe-less and irregular forms to their canonical expansion.
// Negated auxiliaries expand to "not" alone (the auxiliary adds nothing to sentiment), except
// "can", kept because "can't work" (unable to work) differs from "doesn't work".
var contractions = map[string][]string{
	"can't": {"can", "not"}, "cant": {"can", "not"}, "cannot": {"can", "not"},
	"won't": {"not"}, "wont": {"not"}, "ain't": {"not"}, "aint": {"not"},
	"dont": {"not"}, "doesnt": {"not"}, "didnt": {"not"}, "isnt": {"not"},
	"wasnt": {"not"}, "arent": {"not"}, "werent": {"not"}, "wouldnt": {"not"},
	"couldnt": {"not"}, "shouldnt": {"not"}, "havent": {"not"}, "hasnt": {"not"},
	"hadnt": {"not"}, "mustnt": {"not"}, "neednt": {"not"},
	"i'm": {"i", "am"}, "im": {"i", "am"}, "i've": {"i", "have"}, "ive": {"i", "have"},
	"i'd": {"i", "would"}, "i'll": {"i", "will"}, "you're": {"you", "are"},
	"youre": {"you", "are"}, "we're": {"we", "are"}, "they're": {"they", "are"},
	"let's": {"let", "us"}, "thankyou": {"thank", "you"},
}

// spellings maps common abbreviations and misspellings in support messages to the word.
var spellings = map[string]string{
	"pls": "please", "plz": "please", "thx": "thanks", "thnx": "thanks", "thanx": "thanks",
	"tnx": "thanks", "ty": "thanks", "u": "you", "ur": "your", "recieve": "receive",
	"recieved": "received", "dissapointed": "disappointed", "dissapointing": "disappointing",
	"disapointed": "disappointed", "frustated": "frustrated", "fustrated": "frustrated",
	"unexceptable": "unacceptable", "unnacceptable": "unacceptable", "rediculous": "ridiculous",
	"ridiculus": "ridiculous", "anoying": "annoying", "annoyng": "annoying", "horible": "horrible",
	"terible": "terrible", "awsome": "awesome", "excelent": "excellent", "brillant": "brilliant",
	"apreciate": "appreciate", "appriciate": "appreciate", "apprecaite": "appreciate",
	"usefull": "useful", "helpfull": "helpful", "greatful": "grateful", "untill": "until",
	"definately": "definitely", "wierd": "weird", "becuase": "because",
}

// auxiliaries before "not" are dropped so that "does not work", "doesn't work" and
// "is not working" all read "not work" for phrase matching.
var auxiliaries = map[string]bool{
	"do": true, "does": true, "did": true, "is": true, "are": true, "was": true, "were": true,
	"am": true, "has": true, "have": true, "had": true, "will": true, "would": true,
	"could": true, "should": true, "must": true, "need": true,
}

// tokenize splits text into tokens and sentences.
func tokenize(text string) tokenized {
	var out tokenized
	out.sentences = append(out.sentences, sentence{})
	clause := 0
	// endSentence closes the current sentence if it holds anything.
	endSentence := func() {
		cur := len(out.sentences) - 1
		if len(out.tokens) > 0 && out.tokens[len(out.tokens)-1].sentence == cur {
			out.sentences = append(out.sentences, sentence{})
		}
		clause++
	}
	add := func(t token) {
		t.sentence = len(out.sentences) - 1
		t.clause = clause
		out.tokens = append(out.tokens, t)
		if t.norm == "but" || t.norm == "however" {
			clause++ // "but" opens a new clause: negation does not reach across it
		}
	}

	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if e := matchEmoticon(text, i); e != "" {
			add(token{norm: e, start: i, end: i + len(e), kind: kindEmoticon})
			i += len(e)
			continue
		}
		switch {
		case isWordRune(r):
			j := scanWord(text, i)
			for _, t := range wordTokens(text[i:j], i) {
				add(t)
			}
			i = j
		case r == '!' || r == '?':
			j := i
			bangs, queries := 0, 0
			for j < len(text) && (text[j] == '!' || text[j] == '?') {
				if text[j] == '!' {
					bangs++
				} else {
					queries++
				}
				j++
			}
			s := &out.sentences[len(out.sentences)-1]
			s.exclaims += bangs
			if queries > 0 {
				s.question = true
			}
			if queries >= 2 {
				s.queries += queries
			}
			endSentence()
			i = j
		case r == '.' || r == ';' || r == '\n' || r == '…':
			endSentence()
			i += size
		case r == ',' || r == ':' || r == '(' || r == ')' || r == '-' || r == '–' || r == '—' || r == '"' || r == '/':
			clause++
			i += size
		case isEmoji(r):
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if r2 == 0x200D { // zero-width joiner: swallow the joined rune too
					j += s2
					if j < len(text) {
						_, s3 := utf8.DecodeRuneInString(text[j:])
						j += s3
					}
					continue
				}
				if !isEmojiModifier(r2) {
					break
				}
				j += s2
			}
			add(token{norm: string(r), start: i, end: j, kind: kindEmoji})
			i = j
		default:
			i += size
		}
	}
	out.tokens = mergeAuxiliaries(out.tokens, text)
	for i := range out.tokens {
		t := &out.tokens[i]
		if t.kind == kindWord {
			t.forms = forms(t.norm)
		} else {
			t.forms = []string{t.norm}
		}
	}
	return out
}

// matchEmoticon returns the emoticon starting at byte i, or "". An emoticon must not be
// glued to a following letter, digit or slash (so "S:" and "https://" are not faces), and
// one that ends in a letter (":D", ":P") must start a chunk.
func matchEmoticon(text string, i int) string {
	c := text[i]
	if c != ':' && c != ';' && c != '=' && c != '>' && c != '<' {
		return ""
	}
	for _, e := range emoticons {
		if !strings.HasPrefix(text[i:], e) {
			continue
		}
		if j := i + len(e); j < len(text) {
			r, _ := utf8.DecodeRuneInString(text[j:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/' {
				continue
			}
		}
		last := rune(e[len(e)-1])
		if unicode.IsLetter(last) && i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			if !unicode.IsSpace(prev) {
				continue
			}
		}
		return e
	}
	return ""
}

// isWordRune reports whether r can start a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanWord returns the end of the word starting at i. Apostrophes, hyphens, dots, colons,
// at-signs and underscores stay inside a word when a letter or digit follows them
// ("doesn't", "wi-fi", "4.2.1", "8:15", "orders@x").
func scanWord(text string, i int) int {
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if isWordRune(r) || unicode.Is(unicode.Mn, r) {
			j += size
			continue
		}
		if r == '\'' || r == '’' || r == '-' || r == '.' || r == ':' || r == '@' || r == '_' {
			if k := j + size; k < len(text) {
				next, _ := utf8.DecodeRuneInString(text[k:])
				if isWordRune(next) && (r != '.' && r != ':' || unicode.IsDigit(next)) {
					j = k
					continue
				}
			}
		}
		break
	}
	return j
}

// wordTokens turns one written word into its canonical token(s).
func wordTokens(raw string, start int) []token {
	end := start + len(raw)
	caps := isCaps(raw)
	if raw == "xD" || raw == "XD" {
		return []token{{norm: "xD", start: start, end: end, kind: kindEmoticon}}
	}
	w := strings.ToLower(strings.ReplaceAll(raw, "’", "'"))
	if s, ok := spellings[w]; ok {
		w = s
	}
	var parts []string
	switch {
	case contractions[w] != nil:
		parts = contractions[w]
	case strings.HasSuffix(w, "n't"):
		parts = []string{"not"}
	case strings.HasSuffix(w, "'s"):
		parts = []string{strings.TrimSuffix(w, "'s")}
	case strings.HasSuffix(w, "'re"), strings.HasSuffix(w, "'ve"), strings.HasSuffix(w, "'ll"), strings.HasSuffix(w, "'d"):
		parts = []string{w[:strings.LastIndexByte(w, '\'')]}
	default:
		parts = []string{w}
	}
	toks := make([]token, 0, len(parts))
	for _, p := range parts {
		toks = append(toks, token{norm: p, start: start, end: end, kind: kindWord, caps: caps})
	}
	return toks
}

// mergeAuxiliaries drops an auxiliary verb directly before "not" in the same clause and
// widens the "not" token's span over it, so "does not work" reads "not work" and quotes
// as "does not work".
func mergeAuxiliaries(toks []token, text string) []token {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == kindWord && auxiliaries[t.norm] && i+1 < len(toks) {
			n := toks[i+1]
			if n.norm == "not" && n.clause == t.clause && n.start > t.start {
				n.start = t.start
				n.caps = n.caps || t.caps
				toks[i+1] = n
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// isCaps reports whether a word is written in capitals and long enough (three letters) to
// be shouting rather than an initialism like "IT" or "OK".
func isCaps(raw string) bool {
	letters := 0
	for _, r := range raw {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 3
}

// isEmoji reports whether r is a pictographic emoji or dingbat.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F300 && r <= 0x1FAFF:
		return true
	case r >= 0x2600 && r <= 0x27BF:
		return true
	case r == 0x2B50 || r == 0x2B55 || r == 0x2705:
		return true
	}
	return false
}

// isEmojiModifier reports whether r only modifies the emoji before it (variation
// selectors, skin tones, tags).
func isEmojiModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || (r >= 0x1F3FB && r <= 0x1F3FF) || (r >= 0xE0020 && r <= 0xE007F)
}
