package use

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// ticketSentences are short, ticket-like texts of 5 to 15 tokens.
var ticketSentences = []string{
	"I can't log in to my account",
	"password reset not working",
	"invoice is wrong",
	"How do I change my billing address?",
	"Error E-403 when opening the dashboard",
	"VPN disconnects every 5 minutes on Windows 11",
	"my order hasn't arrived yet",
	"the app crashes after the latest update",
	"please cancel my subscription",
	"I was charged twice this month",
	"printer on the second floor is out of toner",
	"cannot attach files larger than 10 MB",
	"two-factor code never arrives by SMS",
	"how do I export my data to CSV?",
	"the website is very slow today",
	"request a refund for order 12345",
}

// BenchmarkEmbed embeds batches of 64 short ticket-like sentences with one
// and with two cores, and reports sentences per second.
func BenchmarkEmbed(b *testing.B) {
	e := loadEncoder(b)
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = ticketSentences[i%len(ticketSentences)]
	}
	ctx := context.Background()
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			n := 0
			for b.Loop() {
				if _, err := e.Embed(ctx, texts); err != nil {
					b.Fatal(err)
				}
				n += len(texts)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "sentences/s")
		})
	}
}

// BenchmarkEmbedLong embeds one text of 128 tokens, the model's maximum.
func BenchmarkEmbedLong(b *testing.B) {
	e := loadEncoder(b)
	text := ""
	for len(e.Tokens(text)) < MaxTokens {
		text += "The export to PDF fails with a timeout after the update. "
	}
	ids := e.tok.encode(text)[:MaxTokens]
	s := new(scratch)
	out := [][]float32{make([]float32, modelDim)}
	for b.Loop() {
		if err := e.weights.forward(context.Background(), s, [][]int32{ids}, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad parses the embedded model, as the first Load does.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := load(); err != nil {
			b.Fatal(err)
		}
	}
}
