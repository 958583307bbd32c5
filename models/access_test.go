package models_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestArticleFilterAllows(t *testing.T) {
	pub, internal := models.VisibilityPublic, models.VisibilityInternal
	customer := func(tier string, products ...string) models.ArticleFilter {
		return models.Audience{Portal: models.PortalCustomer, Entitlements: models.Entitlements{Tier: tier, Products: products}}.Filter()
	}
	tests := []struct {
		name            string
		f               models.ArticleFilter
		vis             models.Visibility
		products, tiers []string
		want            bool
	}{
		{"zero filter admits nothing", models.ArticleFilter{}, pub, nil, nil, false},
		{"zero audience: public unrestricted", models.Audience{}.Filter(), pub, nil, nil, true},
		{"zero audience: no internal", models.Audience{}.Filter(), internal, nil, nil, false},
		{"zero audience: no restricted", models.Audience{}.Filter(), pub, []string{"cams"}, nil, false},
		{"entitled product", customer("", "cams"), pub, []string{"cams", "locks"}, nil, true},
		{"other product", customer("", "locks2"), pub, []string{"cams"}, nil, false},
		{"product and tier", customer("gold", "cams"), pub, []string{"cams"}, []string{"gold", "platinum"}, true},
		{"product without tier", customer("", "cams"), pub, []string{"cams"}, []string{"gold"}, false},
		{"wrong tier", customer("silver", "cams"), pub, []string{"cams"}, []string{"gold"}, false},
		{"tier only", customer("gold"), pub, nil, []string{"gold"}, true},
		{"customer never internal", customer("gold", "cams"), internal, nil, nil, false},
		{"customer-portal staff: all products, no internal", models.Audience{Staff: true}.Filter(), pub, []string{"cams"}, []string{"gold"}, true},
		{"customer-portal staff: no internal", models.Audience{Staff: true}.Filter(), internal, nil, nil, false},
		{"employees: restricted internal", models.Audience{Portal: models.PortalITSM}.Filter(), internal, []string{"cams"}, []string{"gold"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Allows(tc.vis, tc.products, tc.tiers); got != tc.want {
				t.Errorf("Allows = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRestrictionRoundTrip(t *testing.T) {
	for _, tc := range []struct{ products, tiers []string }{
		{nil, nil}, {[]string{"a"}, nil}, {nil, []string{"gold"}}, {[]string{"a", "b.c"}, []string{"x", "y"}},
	} {
		s := models.Restriction(tc.products, tc.tiers)
		p, tr := models.ParseRestriction(s)
		if !slices.Equal(p, tc.products) || !slices.Equal(tr, tc.tiers) {
			t.Errorf("%q: got %v %v, want %v %v", s, p, tr, tc.products, tc.tiers)
		}
	}
}

func TestPrincipalPortalAndTickets(t *testing.T) {
	portal := models.Principal{Role: models.RolePortal, Portal: models.PortalCustomer, Org: "acme"}
	if p, err := portal.ResolvePortal(""); err != nil || p != models.PortalCustomer {
		t.Errorf("portal key, no portal: %v %v", p, err)
	}
	if _, err := portal.ResolvePortal("itsm"); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("portal key asking for itsm: %v, want forbidden", err)
	}
	if _, err := (models.Principal{Role: models.RoleAdmin}).ResolvePortal("intranet"); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("unknown portal: %v, want invalid", err)
	}
	// acme shares its tickets among its users; initech does not.
	shares := func(p models.Portal, org string) bool { return p == models.PortalCustomer && org == "acme" }
	acme := &models.Ticket{ID: "t", Portal: models.PortalCustomer, Org: "acme", Requester: "bo@acme.example"}
	globex := &models.Ticket{ID: "u", Portal: models.PortalCustomer, Org: "globex"}
	itsm := &models.Ticket{ID: "v", Portal: models.PortalITSM, Requester: "kim@corp.example"}
	initechAl := &models.Ticket{ID: "w", Portal: models.PortalCustomer, Org: "initech", Requester: "al@initech.example"}
	consumer := &models.Ticket{ID: "x", Portal: models.PortalCustomer, Requester: "Jo@Mail.example"}
	user := func(portal models.Portal, org, user string) models.Principal {
		return models.Principal{Role: models.RolePortal, Portal: portal, Org: org, User: user}
	}
	tests := []struct {
		who  models.Principal
		t    *models.Ticket
		want bool
	}{
		{portal, acme, true}, // a user of a sharing organisation sees its tickets
		{portal, globex, false},
		{portal, itsm, false},
		{user(models.PortalCustomer, "initech", "al@initech.example"), initechAl, true}, // their own
		{user(models.PortalCustomer, "initech", "bea@initech.example"), initechAl, false},
		{user(models.PortalCustomer, "initech", ""), initechAl, false},
		{user(models.PortalCustomer, "", "jo@mail.example"), consumer, true}, // case does not matter
		{user(models.PortalCustomer, "", "max@mail.example"), consumer, false},
		{user(models.PortalCustomer, "", ""), consumer, false},
		{user(models.PortalCustomer, "", ""), &models.Ticket{Portal: models.PortalCustomer}, false},
		{user(models.PortalITSM, "", "kim@corp.example"), itsm, true},
		{user(models.PortalITSM, "", "lee@corp.example"), itsm, false},
		{user(models.PortalITSM, "", ""), itsm, false},
		{user(models.PortalITSM, "acme", "bo@acme.example"), acme, false}, // another portal
		{models.Principal{Role: models.RoleAgent, Portal: models.PortalITSM}, acme, false},
		{models.Principal{Role: models.RoleAgent, Portal: models.PortalITSM}, itsm, true},
		{models.Principal{Role: models.RoleAgent}, globex, true},
		{models.Principal{Role: models.RoleAnalyst}, acme, false},
		{models.Principal{Role: models.RoleAdmin}, globex, true},
		{models.Principal{}, acme, false},
	}
	for _, tc := range tests {
		if got := tc.who.CanSeeTicket(tc.t, shares); got != tc.want {
			t.Errorf("%+v sees %+v: %v, want %v", tc.who, tc.t, got, tc.want)
		}
	}
	if portal.CanSeeTicket(acme, nil) {
		t.Errorf("with no sharing known, %+v sees another user's ticket %+v", portal, acme)
	}
}

func TestAPIKeyValidate(t *testing.T) {
	tests := []struct {
		key   models.APIKey
		field string // "" for valid
	}{
		{models.APIKey{Role: models.RolePortal, Portal: models.PortalCustomer}, ""},
		{models.APIKey{Role: models.RoleAgent}, ""},
		{models.APIKey{Role: models.RoleAgent, Portal: models.PortalITSM}, ""},
		{models.APIKey{Role: models.RolePortal}, "portal"},
		{models.APIKey{Role: models.RoleAnalyst, Portal: models.PortalITSM}, "portal"},
		{models.APIKey{Role: models.RoleAgent, Portal: "intranet"}, "portal"},
		{models.APIKey{Role: "root"}, "role"},
		{models.APIKey{Role: models.RoleAdmin, Name: string(make([]byte, models.MaxKeyNameLength+1))}, "name"},
		{models.APIKey{Role: models.RoleAdmin, Name: "ops team – Zürich"}, ""},
		{models.APIKey{Role: models.RoleAdmin, Name: "ops\nsk_live  admin  forged row"}, "name"},
		{models.APIKey{Role: models.RoleAdmin, Name: "ops\x1b[2J"}, "name"},
		{models.APIKey{Role: models.RoleAdmin, Name: "ops\u0085"}, "name"},
	}
	for _, tc := range tests {
		err := tc.key.Validate()
		var e *models.Error
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.key, err)
		case tc.field != "" && (!errors.As(err, &e) || e.Field != tc.field):
			t.Errorf("%+v: %v, want an error about %s", tc.key, err, tc.field)
		}
	}
}

func TestArticleProductsAndTiers(t *testing.T) {
	a := models.Article{ID: "a", Title: "t", Products: []string{" Cams ", "locks", "cams"}, Tiers: []string{"Gold"}}
	a.Normalize()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(a.Products) != 2 || a.Products[0] != "cams" || a.Products[1] != "locks" || a.Tiers[0] != "gold" {
		t.Errorf("normalised to %v %v", a.Products, a.Tiers)
	}
	// An empty code is refused, not dropped: products [""] would otherwise
	// be no restriction, and the article would show to every customer.
	for _, bad := range [][]string{{"two words"}, {"a,b"}, {"*"}, {""}, {"cams", "  "}} {
		b := models.Article{ID: "a", Title: "t", Products: bad}
		b.Normalize()
		var e *models.Error
		if err := b.Validate(); !errors.As(err, &e) || e.Field != "products" {
			t.Errorf("products %q: %v, want an error about products", bad, err)
		}
	}
}
