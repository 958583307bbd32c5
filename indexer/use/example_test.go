package use_test

import (
	"context"
	"fmt"
	"log"

	"github.com/siftdesk/sift/indexer/use"
)

func ExampleEncoder_Embed() {
	enc, err := use.Load()
	if err != nil {
		log.Fatal(err)
	}
	v, err := enc.Embed(context.Background(), []string{
		"I can't log in to my account",
		"password reset not working",
		"invoice is wrong",
	})
	if err != nil {
		log.Fatal(err)
	}
	cosine := func(a, b []float32) (s float32) {
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	fmt.Printf("%s: %.2f %.2f\n", enc.Model(), cosine(v[0], v[1]), cosine(v[0], v[2]))
	// Output: use-lite-2@512: 0.66 0.27
}
