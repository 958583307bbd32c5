package models_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

func validTicket() models.Ticket {
	return models.Ticket{ID: "T-1", Portal: models.PortalITSM, Subject: "VPN drops every hour"}
}

func TestTicketNormalize(t *testing.T) {
	tk := models.Ticket{
		ID: " T-1 ", Portal: " ITSM ", Subject: "  VPN ", Priority: " High",
		Department: " IT ", Status: "Open ", Group: " Network ", Org: " Acme ", Category: " net ",
	}
	tk.Normalize()
	want := models.Ticket{
		ID: "T-1", Portal: models.PortalITSM, Subject: "VPN", Priority: models.PriorityHigh,
		Department: "it", Status: "open", Group: "Network", Org: "Acme", Category: "net",
	}
	if tk.ID != want.ID || tk.Portal != want.Portal || tk.Subject != want.Subject ||
		tk.Priority != want.Priority || tk.Department != want.Department || tk.Status != want.Status ||
		tk.Group != want.Group || tk.Org != want.Org || tk.Category != want.Category {
		t.Errorf("Normalize:\n got %+v\nwant %+v", tk, want)
	}
	if err := tk.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestTicketValidate(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("x", models.MaxLabelLength+1)
	tests := []struct {
		name      string
		edit      func(*models.Ticket)
		wantField string
		wantErr   error
	}{
		{"missing id", func(tk *models.Ticket) { tk.ID = "" }, "id", models.ErrInvalid},
		{"bad id", func(tk *models.Ticket) { tk.ID = "T 1" }, "id", models.ErrInvalid},
		{"missing portal", func(tk *models.Ticket) { tk.Portal = "" }, "portal", models.ErrInvalid},
		{"unknown portal", func(tk *models.Ticket) { tk.Portal = "partner" }, "portal", models.ErrInvalid},
		{"no subject or body", func(tk *models.Ticket) { tk.Subject = "  " }, "subject", models.ErrInvalid},
		{"unknown priority", func(tk *models.Ticket) { tk.Priority = "urgent" }, "priority", models.ErrInvalid},
		{"subject too large", func(tk *models.Ticket) { tk.Subject = strings.Repeat("s", models.MaxTextBytes+1) }, "subject", models.ErrTooLarge},
		{"body too large", func(tk *models.Ticket) { tk.Body = strings.Repeat("b", models.MaxTextBytes+1) }, "body", models.ErrTooLarge},
		{"resolution too large", func(tk *models.Ticket) { tk.Resolution = strings.Repeat("r", models.MaxTextBytes+1) }, "resolution", models.ErrTooLarge},
		{"body not UTF-8", func(tk *models.Ticket) { tk.Body = "\xff" }, "body", models.ErrInvalid},
		{"org too long", func(tk *models.Ticket) { tk.Org = long }, "org", models.ErrTooLarge},
		{"requester too long", func(tk *models.Ticket) { tk.Requester = long }, "requester", models.ErrTooLarge},
		{"category too long", func(tk *models.Ticket) { tk.Category = long }, "category", models.ErrTooLarge},
		{"group too long", func(tk *models.Ticket) { tk.Group = long }, "group", models.ErrTooLarge},
		{"department too long", func(tk *models.Ticket) { tk.Department = long }, "department", models.ErrTooLarge},
		{"status too long", func(tk *models.Ticket) { tk.Status = long }, "status", models.ErrTooLarge},
		{"resolved before created", func(tk *models.Ticket) {
			tk.CreatedAt = day
			tk.ResolvedAt = day.Add(-time.Hour)
		}, "resolved_at", models.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := validTicket()
			tc.edit(&tk)
			_, err := models.NewTicketChange(&tk)
			checkFieldError(t, err, tc.wantField, tc.wantErr)
		})
	}
	t.Run("body alone is enough", func(t *testing.T) {
		tk := validTicket()
		tk.Subject, tk.Body = "", "It broke."
		if _, err := models.NewTicketChange(&tk); err != nil {
			t.Error(err)
		}
	})
}

func TestQueryRecord(t *testing.T) {
	q := models.QueryRecord{Query: "  reset   my\tpassword "}
	c, err := models.NewQueryChange(&q)
	if err != nil {
		t.Fatal(err)
	}
	if q.Query != "reset my password" || q.Portal != models.PortalCustomer || q.Count != 1 {
		t.Errorf("normalised = %+v", q)
	}
	if c.ID != "customer:reset my password" || c.Kind != models.KindQuery {
		t.Errorf("change id %q kind %q", c.ID, c.Kind)
	}

	tests := []struct {
		name      string
		q         models.QueryRecord
		wantField string
		wantErr   error
	}{
		{"empty", models.QueryRecord{Query: "   "}, "query", models.ErrInvalid},
		{"too long", models.QueryRecord{Query: strings.Repeat("q", models.MaxSuggestQueryLength+1)}, "query", models.ErrTooLarge},
		{"unknown portal", models.QueryRecord{Query: "x", Portal: "web"}, "portal", models.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := models.NewQueryChange(&tc.q)
			checkFieldError(t, err, tc.wantField, tc.wantErr)
		})
	}
}

func TestTicketJSONTimeErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, in, field string
	}{
		{"created_at", `{"id":"T-1","portal":"itsm","subject":"s","created_at":"01/02/2024"}`, "created_at"},
		{"resolved_at", `{"id":"T-1","portal":"itsm","subject":"s","resolved_at":"soon"}`, "resolved_at"},
		{"two bad times: the message matches the field", `{"id":"T-1","portal":"itsm","subject":"s","resolved_at":"later","created_at":"earlier"}`, "created_at"},
		{"wrong type still named", `{"id":"T-1","portal":"itsm","subject":["s"]}`, "subject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tk models.Ticket
			err := models.ExplainJSON(json.Unmarshal([]byte(tc.in), &tk))
			var me *models.Error
			if !errors.As(err, &me) || me.Field != tc.field || !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v (%T), want an invalid-input error about %q", err, err, tc.field)
			}
			var raw map[string]any
			json.Unmarshal([]byte(tc.in), &raw)
			if v, ok := raw[tc.field].(string); ok && !strings.Contains(me.Message, v) {
				t.Errorf("message %q does not quote the field's value %q", me.Message, v)
			}
		})
	}
}
