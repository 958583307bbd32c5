package bleve

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestTitleCompletions(t *testing.T) {
	ctx := context.Background()
	x, err := Open(filepath.Join(t.TempDir(), "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var changes []models.Change
	for _, a := range []models.Article{
		{ID: "a1", Title: "Reset the password of a shared mailbox"},
		{ID: "a2", Title: "Printer shows error 49.4C02 on floor 3", Visibility: models.VisibilityInternal},
		{ID: "a3", Title: "Track your parcel"},
		{ID: "a4", Title: "Change your password", Body: "printer printer printer"},
	} {
		c, err := models.NewArticleChange(&a)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	if err := x.Write(ctx, changes); err != nil {
		t.Fatal(err)
	}
	public := []models.Visibility{models.VisibilityPublic}
	both := []models.Visibility{models.VisibilityPublic, models.VisibilityInternal}
	cases := []struct {
		name   string
		text   string
		vis    []models.Visibility
		limit  int
		want   []string // order ignored
		wantAt int      // at least this many; -1 means exactly want
	}{
		{"prefix of the last word", "passw", public, 8, []string{"Reset the password of a shared mailbox", "Change your password"}, -1},
		{"earlier words must match", "reset the pass", public, 8, []string{"Reset the password of a shared mailbox"}, -1},
		{"typo in an earlier word", "rest the pass", public, 8, []string{"Reset the password of a shared mailbox"}, -1},
		{"typo in a whole last word", "trakc", public, 8, []string{"Track your parcel"}, -1},
		{"titles only, not bodies", "printer", public, 8, nil, -1},
		{"internal titles for internal visibility", "printer sh", both, 8, []string{"Printer shows error 49.4C02 on floor 3"}, -1},
		{"stopwords alone match nothing", "the ", both, 8, nil, -1},
		{"trailing space makes the last word whole", "track ", public, 8, []string{"Track your parcel"}, -1},
		{"limit", "p", both, 1, nil, 1},
		{"empty text", "  ", both, 8, nil, -1},
		{"no visibility admits nothing", "track", nil, 8, nil, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := x.TitleCompletions(ctx, tc.text, tc.vis, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantAt >= 0 {
				if len(got) != tc.wantAt {
					t.Errorf("TitleCompletions(%q) = %q, want %d titles", tc.text, got, tc.wantAt)
				}
				return
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("TitleCompletions(%q) = %q, want %q", tc.text, got, want)
			}
		})
	}
}
