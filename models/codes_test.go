package models_test

import (
	"slices"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestCodes(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Error E-403 when paying", []string{"E-403"}},
		{"VPN-809, then AUTH-017.", []string{"VPN-809", "AUTH-017"}},
		{"0x80070005 and KB5034441 on 4.2.1", []string{"0x80070005", "KB5034441", "4.2.1"}},
		{"Error 50.3 on HTTP 502 in 2026", []string{"50.3"}},
		{"a sign-in page, wi-fi and e-mail", nil},
		{"Reason GW-OUTAGE, then FW_VERIFY; not Wi-Fi or UK", []string{"GW-OUTAGE", "FW_VERIFY"}},
		{"end of sentence E-204.", []string{"E-204"}},
		{"café4 and 5ème", nil},
		{"", nil},
	} {
		var got []string
		for _, c := range models.Codes(tc.text) {
			if tc.text[c.Start:c.End] != c.Text {
				t.Errorf("%q: span %d-%d is %q, not %q", tc.text, c.Start, c.End, tc.text[c.Start:c.End], c.Text)
			}
			got = append(got, c.Text)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Codes(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
