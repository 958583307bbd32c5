package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/models"
)

func TestZZTA(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	d, err := openDataDir("/tmp/evc3", 1000, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eng, _ := engine.New(ctx, engine.Config{}, d.store, d.text, d.indexer, log)
	for _, q := range []struct{ q, p string }{{"forgot pw se", "customer"}, {"forgot password se", "customer"}, {"freelancer logi", "itsm"}, {"contractor logi", "itsm"}, {"wages to a new acc", "itsm"}, {"salary to a new acc", "itsm"}, {"preordered cam outd", "customer"}, {"opened a scam att", "itsm"}, {"activation mail nev", "customer"}} {
		res, _ := eng.Suggest(ctx, models.SuggestRequest{Query: q.q, Audience: models.Audience{Portal: models.Portal(q.p)}})
		fmt.Printf("%q:\n", q.q)
		for _, s := range res.Suggestions {
			fmt.Printf("   %s %s %.2f %s\n", s.ID, s.Match, s.Score, s.Text)
		}
	}
	for _, id := range []string{"KB-1001", "KB-1096", "KB-1098", "KB-1084", "KB-1105", "KB-1046"} {
		a, _ := d.store.Article(ctx, id)
		fmt.Println(id, a.Title, "|", a.Tags)
	}
}
