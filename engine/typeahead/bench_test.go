package typeahead

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchEntries is the size of the synthetic index the benchmarks search:
// the 100,000 articles of sift bench's default corpus.
const benchEntries = 100_000

// Vocabularies of synthetic support-article titles, a shorter cousin of
// sift bench's corpus (cmd/sift/bench.go), kept here so the package's
// benchmarks stand alone.
var (
	benchVerbs = strings.Fields("reset change unlock configure install update remove restore sync share " +
		"export import renew cancel enable disable migrate recover download upload connect map transfer " +
		"request approve archive delete rename register verify replace activate encrypt forward schedule")
	benchGerunds = strings.Fields("opening saving sending printing uploading installing syncing sharing " +
		"exporting updating scanning deleting renaming downloading restoring approving submitting")
	benchObjects = strings.Fields("password mailbox calendar licence certificate driver profile drive badge " +
		"laptop monitor dock headset phone authenticator invoice subscription parcel order account signature " +
		"list channel site wifi firewall key codes address payment card warranty firmware backup folder room " +
		"voicemail contacts cache sim expenses timesheet refund label receipt username photo database")
	benchProducts = strings.Fields("outlook teams sharepoint onedrive excel word zoom slack salesforce sap jira " +
		"confluence globalprotect anyconnect windows macos ios android chrome edge firefox okta workday " +
		"servicenow acrobat citrix laserjet xerox brightloom camera router bluetooth intune defender bitlocker " +
		"dropbox webex concur tableau github gitlab docker figma miro docusign zendesk hubspot shopify paypal")
	benchQualifiers = strings.Fields("shared personal guest new team external locked expired default secondary corporate temporary lost")
	benchHolders    = strings.Fields("mailbox starter contractor site guest manager leaver student")
	benchSymptoms   = []string{"keeps disconnecting", "is very slow", "does not start", "crashes on launch", "will not sync", "shows a blank screen", "drops calls", "fails to update", "is offline", "logs me out"}
	benchStates     = strings.Fields("locked missing delayed rejected pending disabled expired duplicated")
	benchResources  = strings.Fields("workspace project drive dashboard repository console report queue")
	benchSyllables  = strings.Fields("al bri cor da el fen gra hal in jo ka lum mer nor o pel qua ra sol tor u ven wyn xa yor zen")
)

// benchTitle draws one title from templates like sift bench's, with error
// codes and, one time in four, a product from a long tail of made-up names.
func benchTitle(r *rand.Rand, names []string, zipf *rand.Zipf) string {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	product := pick(benchProducts)
	if r.IntN(4) == 0 {
		product = names[zipf.Uint64()]
	}
	code := fmt.Sprintf("0x%08x", r.Uint32())
	if r.IntN(2) == 0 {
		code = fmt.Sprintf("%d.%d%c%02d", 10+r.IntN(90), r.IntN(10), 'a'+rune(r.IntN(6)), r.IntN(100))
	}
	object := pick(benchObjects)
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("%s the %s of a %s %s", pick(benchVerbs), object, pick(benchQualifiers), pick(benchHolders))
	case 1:
		return fmt.Sprintf("%s shows error %s on floor %d", product, code, 1+r.IntN(12))
	case 2:
		return fmt.Sprintf("how to %s your %s in %s", pick(benchVerbs), object, product)
	case 3:
		return fmt.Sprintf("%s %s", product, pick(benchSymptoms))
	case 4:
		return fmt.Sprintf("cannot %s the %s %s in %s", pick(benchVerbs), pick(benchQualifiers), object, product)
	case 5:
		return fmt.Sprintf("error %s when %s the %s", code, pick(benchGerunds), object)
	case 6:
		return fmt.Sprintf("why is my %s %s", object, pick(benchStates))
	}
	return fmt.Sprintf("request access to the %s %s", product, pick(benchResources))
}

// benchIndex is the shared synthetic index and the titles in it, built
// once per test binary.
var benchIndex = sync.OnceValues(func() (*Index, []string) {
	r := rand.New(rand.NewPCG(1, 2))
	names := make([]string, benchEntries/20)
	for i := range names {
		names[i] = benchSyllables[r.IntN(len(benchSyllables))] + benchSyllables[r.IntN(len(benchSyllables))] + benchSyllables[r.IntN(len(benchSyllables))]
	}
	zipf := rand.NewZipf(r, 1.05, 1, uint64(len(names)-1))
	views := rand.NewZipf(r, 1.1, 2, 2_000_000)
	x := New()
	titles := make([]string, benchEntries)
	for i := range titles {
		titles[i] = benchTitle(r, names, zipf)
		class := uint8(0)
		if r.IntN(10) < 3 {
			class = 1
		}
		x.Put(Entry{ID: fmt.Sprintf("KB-%07d", i), Text: titles[i], Popularity: float64(views.Uint64()), Class: class})
	}
	return x, titles
})

// benchQueries draws n distinct queries of the given number of words
// (0 for one to three) as typed from the titles: the last word cut short,
// and with typo set one edit in a word of four letters or more. Half may
// see public entries only, half all of them.
func benchQueries(titles []string, n, words int, typo bool) []Query {
	r := rand.New(rand.NewPCG(uint64(n), uint64(words)))
	seen := map[string]bool{}
	var out []Query
	for len(out) < n {
		ws := strings.Fields(titles[r.IntN(len(titles))])
		k := words
		if k == 0 {
			k = 1 + r.IntN(3)
		}
		if len(ws) < k {
			continue
		}
		from := r.IntN(len(ws) - k + 1)
		q := slices.Clone(ws[from : from+k])
		last := q[k-1]
		q[k-1] = last[:1+r.IntN(len(last))]
		if typo {
			i := r.IntN(k)
			if len(q[i]) < 4 {
				continue
			}
			w := []byte(q[i])
			at := r.IntN(len(w) - 1)
			switch r.IntN(3) {
			case 0:
				w[at], w[at+1] = w[at+1], w[at]
			case 1:
				w = slices.Delete(w, at, at+1)
			default:
				w[at] = 'a' + (w[at]-'a'+1+byte(r.IntN(25)))%26
			}
			q[i] = string(w)
		}
		text := strings.Join(q, " ")
		if seen[text] {
			continue
		}
		seen[text] = true
		out = append(out, Query{Text: text, Classes: Classes(1 + 2*r.IntN(2)), Limit: 8})
	}
	return out
}

// BenchmarkSearch times Search over 100,000 entries, by kind of query, and
// reports the latency percentiles of single calls.
func BenchmarkSearch(b *testing.B) {
	x, titles := benchIndex()
	kinds := []struct {
		name  string
		words int
		typo  bool
	}{
		{"one-word", 1, false},
		{"two-words", 2, false},
		{"three-words", 3, false},
		{"one-word-typo", 1, true},
		{"two-words-typo", 2, true},
		{"mixed", 0, false},
	}
	for _, k := range kinds {
		queries := benchQueries(titles, 2000, k.words, k.typo)
		b.Run(k.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, 1<<16)
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				x.Search(queries[i%len(queries)])
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			at := func(p float64) float64 {
				return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)].Nanoseconds()) / 1e3
			}
			b.ReportMetric(at(0.50), "p50-µs")
			b.ReportMetric(at(0.99), "p99-µs")
		})
	}
}

// BenchmarkPut times adding entries to an index that grows to 100,000.
func BenchmarkPut(b *testing.B) {
	_, titles := benchIndex()
	x := New()
	for i := 0; b.Loop(); i++ {
		x.Put(Entry{ID: fmt.Sprintf("KB-%07d", i%len(titles)), Text: titles[i%len(titles)], Popularity: float64(i % 1000)})
	}
}
