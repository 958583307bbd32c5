package use

import (
	"context"
	"testing"
)

func BenchmarkZZSingle(b *testing.B) {
	e := loadEncoder(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := e.Embed(ctx, []string{"My card payment was declined twice when I tried to renew the subscription yesterday"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
