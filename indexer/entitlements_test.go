package indexer_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

// TestReadersTakeProductsAndTiers reads an article restricted to products
// and tiers from each source format, and checks that the codes arrive
// normalised, that a bad code is reported naming its field, and that
// unknown members still round-trip.
func TestReadersTakeProductsAndTiers(t *testing.T) {
	dir := t.TempDir()
	sources := map[string]string{
		"a.jsonl": `{"id":"kb-1","title":"Pro cameras","products":["Cams-Pro","hub"],"tiers":["Gold"],"source_url":"https://x/1"}` + "\n" +
			`{"id":"kb-2","title":"Bad","products":["two words"]}`,
		"a.csv":      "id,title,products,tiers,source_url\nkb-1,Pro cameras,Cams-Pro;hub,Gold,https://x/1\nkb-2,Bad,two words,,\n",
		"kb/kb-1.md": "---\ntitle: Pro cameras\nproducts: [Cams-Pro, hub]\ntiers: [Gold]\nsource_url: https://x/1\n---\nBody.\n",
	}
	for name, content := range sources {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, dir, name, content)
			if name == "kb/kb-1.md" {
				path = filepath.Join(dir, "kb")
			}
			recs, err := readAll(t, path, models.KindArticle)
			if err != nil || len(recs) == 0 || recs[0].Err != nil {
				t.Fatalf("records %+v, err %v", recs, err)
			}
			a := recs[0].Change.Article
			if !slices.Equal(a.Products, []string{"cams-pro", "hub"}) || !slices.Equal(a.Tiers, []string{"gold"}) {
				t.Errorf("products %v, tiers %v", a.Products, a.Tiers)
			}
			data, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			var back models.Article
			if err := json.Unmarshal(data, &back); err != nil || string(back.Extra["source_url"]) != `"https://x/1"` ||
				!slices.Equal(back.Products, a.Products) {
				t.Errorf("round trip of %s: %+v %v", data, back, err)
			}
			if len(recs) > 1 {
				var e *models.Error
				if !errors.As(recs[1].Err, &e) || e.Field != "products" {
					t.Errorf("bad product code: %v, want an error about products", recs[1].Err)
				}
			}
		})
	}
}
