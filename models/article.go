package models

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on documents, enforced by Validate. They bound memory per request
// and keep the indexes fast; the README documents them.
const (
	MaxIDLength    = 128
	MaxTitleLength = 500
	MaxTextBytes   = 256 << 10 // body, subject, resolution: 256 KiB each
	MaxTags        = 50
	MaxTagLength   = 64
	MaxLabelLength = 128 // category, product, group, department, org, ...
)

// Article is a knowledge-base article: the thing self-service shows.
type Article struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Body       string     `json:"body,omitempty"` // Markdown
	Tags       []string   `json:"tags,omitempty"`
	Category   string     `json:"category,omitempty"`
	Product    string     `json:"product,omitempty"`
	Visibility Visibility `json:"visibility,omitempty"`
	// Products and Tiers restrict the article to customers entitled to one
	// of the products and, when Tiers is set, of one of the tiers (see
	// Audience). Employees and staff see it regardless. Codes: lower case,
	// letters, digits and . _ : -.
	Products []string `json:"products,omitempty"`
	Tiers    []string `json:"tiers,omitempty"`
	// Views is a popularity prior (for example view counts exported from the
	// previous help centre). Type-ahead and search rank popular articles first
	// among equal matches.
	Views     int64     `json:"views,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Extra keeps source fields Sift does not model.
	Extra Extra `json:"-"`
}

type articleFields Article

var articleKeys = []string{"id", "title", "body", "tags", "category", "product", "visibility", "products", "tiers", "views", "updated_at"}

// UnmarshalJSON decodes an article, keeping unknown members in Extra.
func (a *Article) UnmarshalJSON(data []byte) error {
	var f articleFields
	extra, err := decodeDated(data, &f, articleKeys)
	if err != nil {
		return err
	}
	*a = Article(f)
	a.Extra = extra
	return nil
}

// MarshalJSON encodes an article with its Extra members.
func (a Article) MarshalJSON() ([]byte, error) {
	return encodeWithExtra(articleFields(a), a.Extra)
}

// Normalize trims whitespace, lower-cases tags and drops empty and repeated
// ones, and sets the default visibility. Call it before Validate.
func (a *Article) Normalize() {
	a.ID = strings.TrimSpace(a.ID)
	a.Title = strings.TrimSpace(a.Title)
	a.Category = strings.TrimSpace(a.Category)
	a.Product = strings.TrimSpace(a.Product)
	a.Tags = normalizeTags(a.Tags)
	a.Products = NormalizeCodes(a.Products)
	a.Tiers = NormalizeCodes(a.Tiers)
	if a.Visibility == "" {
		a.Visibility = VisibilityPublic
	}
}

// Validate reports the first problem with the article, naming the field.
func (a *Article) Validate() error {
	if err := ValidateID(a.ID); err != nil {
		return err
	}
	if a.Title == "" {
		return Invalid("title", "is required")
	}
	if err := checkText("title", a.Title, MaxTitleLength); err != nil {
		return err
	}
	if err := checkText("body", a.Body, MaxTextBytes); err != nil {
		return err
	}
	if len(a.Tags) > MaxTags {
		return Invalid("tags", "has %d tags, at most %d allowed", len(a.Tags), MaxTags)
	}
	for _, t := range a.Tags {
		if err := checkText("tags", t, MaxTagLength); err != nil {
			return err
		}
	}
	if err := checkTexts(MaxLabelLength, "category", a.Category, "product", a.Product); err != nil {
		return err
	}
	if _, err := ParseVisibility(string(a.Visibility)); err != nil {
		return err
	}
	if err := ValidateCodes("products", a.Products); err != nil {
		return err
	}
	if err := ValidateCodes("tiers", a.Tiers); err != nil {
		return err
	}
	if a.Views < 0 {
		return Invalid("views", "must not be negative, got %d", a.Views)
	}
	return nil
}

// ValidateID checks a document id: 1 to MaxIDLength characters from
// letters, digits and . _ : - so that it is safe in a URL path.
func ValidateID(id string) error {
	if id == "" {
		return Invalid("id", "is required")
	}
	if len(id) > MaxIDLength {
		return Invalid("id", "is %d bytes long, at most %d allowed", len(id), MaxIDLength)
	}
	if id == "." || id == ".." {
		return Invalid("id", "%q is not allowed: no URL can name it (clients resolve it as a path)", id)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '_' || r == ':' || r == '-'
		if !ok {
			return Invalid("id", "%q contains %q: use letters, digits and . _ : - only", id, r)
		}
	}
	return nil
}

// checkText checks that s is valid UTF-8 of at most max bytes.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "is not valid UTF-8")
	}
	if len(s) > max {
		return TooLarge(field, "is %d bytes long, at most %d allowed", len(s), max)
	}
	return nil
}

// checkTexts runs checkText on (field, value) pairs in order.
func checkTexts(max int, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkText(pairs[i], pairs[i+1], max); err != nil {
			return err
		}
	}
	return nil
}

func normalizeTags(tags []string) []string {
	var out []string
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

var _ json.Marshaler = Article{}

// collapseSpace trims s and turns every run of white space into one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
