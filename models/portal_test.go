package models_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestParsePortal(t *testing.T) {
	tests := []struct {
		in      string
		want    models.Portal
		wantErr bool
	}{
		{"", models.PortalCustomer, false},
		{"customer", models.PortalCustomer, false},
		{"itsm", models.PortalITSM, false},
		{"ITSM", "", true},
		{" itsm", "", true},
		{"admin", "", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got, err := models.ParsePortal(tc.in)
			if tc.wantErr {
				checkFieldError(t, err, "portal", models.ErrInvalid)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParsePortal(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseVisibility(t *testing.T) {
	tests := []struct {
		in      string
		want    models.Visibility
		wantErr bool
	}{
		{"", models.VisibilityPublic, false},
		{"public", models.VisibilityPublic, false},
		{"internal", models.VisibilityInternal, false},
		{"private", "", true},
		{"Public", "", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got, err := models.ParseVisibility(tc.in)
			if tc.wantErr {
				checkFieldError(t, err, "visibility", models.ErrInvalid)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseVisibility(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestPortalAccess(t *testing.T) {
	tests := []struct {
		portal       models.Portal
		internal     bool
		public       bool
		tickets      bool
		visibilities int
	}{
		{models.PortalCustomer, false, true, false, 1},
		{models.PortalITSM, true, true, true, 2},
		{"", false, true, false, 1}, // the zero portal sees least
	}
	for _, tc := range tests {
		t.Run(string(tc.portal), func(t *testing.T) {
			if got := tc.portal.CanSeeArticle(models.VisibilityInternal); got != tc.internal {
				t.Errorf("CanSeeArticle(internal) = %v", got)
			}
			if got := tc.portal.CanSeeArticle(models.VisibilityPublic); got != tc.public {
				t.Errorf("CanSeeArticle(public) = %v", got)
			}
			if got := tc.portal.CanSeeTickets(); got != tc.tickets {
				t.Errorf("CanSeeTickets() = %v", got)
			}
			if got := len(tc.portal.Visibilities()); got != tc.visibilities {
				t.Errorf("len(Visibilities()) = %d, want %d", got, tc.visibilities)
			}
		})
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		err  error
		code string
		is   error
	}{
		{models.Invalid("f", "bad %d", 1), models.CodeInvalid, models.ErrInvalid},
		{models.NotFound("article %q", "x"), models.CodeNotFound, models.ErrNotFound},
		{models.TooLarge("body", "big"), models.CodeTooLarge, models.ErrTooLarge},
		{fmt.Errorf("wrapped: %w", models.NotFound("x")), models.CodeNotFound, models.ErrNotFound},
		{errors.New("plain"), models.CodeInternal, nil},
		{nil, "", nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.err), func(t *testing.T) {
			if got := models.ErrorCode(tc.err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if tc.is != nil && !errors.Is(tc.err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", tc.err, tc.is)
			}
			if tc.err != nil && tc.code != models.CodeInvalid && errors.Is(tc.err, models.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = true", tc.err)
			}
		})
	}
}

func TestRulesFor(t *testing.T) {
	rules := map[string]models.Portal{"b": models.PortalITSM, "a": "", "c": models.PortalCustomer}
	portalOf := func(p models.Portal) models.Portal { return p }
	for _, tc := range []struct {
		portal models.Portal
		want   []models.Portal
	}{
		{models.PortalCustomer, []models.Portal{"", models.PortalCustomer}}, // a, c
		{models.PortalITSM, []models.Portal{"", models.PortalITSM}},         // a, b
		{"", []models.Portal{"", models.PortalITSM, models.PortalCustomer}}, // a, b, c
	} {
		if got := models.RulesFor(rules, tc.portal, portalOf); !slices.Equal(got, tc.want) {
			t.Errorf("RulesFor(%q) = %q, want %q", tc.portal, got, tc.want)
		}
	}
}
