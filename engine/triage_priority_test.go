package engine

import (
	"strings"
	"testing"

	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/engine/sentiment"
	"github.com/siftdesk/sift/models"
)

// TestPriorityReasonsSayWhyTheModelWasNotFollowed checks the first reason
// of a suggested priority when the priority model abstains: it names what
// the model said, at what confidence and familiarity, the support it needed, and what
// the priority rests on instead.
func TestPriorityReasonsSayWhyTheModelWasNotFollowed(t *testing.T) {
	unsure := map[string]FieldPrediction{"priority": {Prediction: classify.Prediction{Label: "critical", Confidence: 0.55, Familiarity: 0.64, Support: 0.44, Threshold: 0.62, Abstain: true}}}
	sure := map[string]FieldPrediction{"priority": {Prediction: classify.Prediction{Label: "high", Confidence: 0.9, Threshold: 0.62}}}
	cases := []struct {
		name   string
		ticket models.Ticket
		cls    map[string]FieldPrediction
		want   models.Priority
		reason string
	}{
		{"abstains, ticket gives none", models.Ticket{}, unsure, models.PriorityMedium,
			"the priority model says critical at 0.55 with familiarity 0.64: support 0.44, below the 0.62 it needs; no priority given: medium"},
		{"abstains, ticket gives one", models.Ticket{Priority: models.PriorityLow}, unsure, models.PriorityLow,
			"the priority model says critical at 0.55 with familiarity 0.64: support 0.44, below the 0.62 it needs; the ticket says low"},
		{"confident", models.Ticket{Priority: models.PriorityLow}, sure, models.PriorityHigh,
			"the priority model predicts high (90%)"},
		{"no model", models.Ticket{}, nil, models.PriorityMedium, "no priority given: medium"},
	}
	for _, tc := range cases {
		got := suggestPriority(&tc.ticket, tc.cls, sentiment.Result{})
		if got.Priority != tc.want || len(got.Reasons) == 0 || got.Reasons[0] != tc.reason {
			t.Errorf("%s: %s, %q; want %s, %q", tc.name, got.Priority, strings.Join(got.Reasons, " | "), tc.want, tc.reason)
		}
	}
}

// TestFailureAtScaleRaisesPriority checks that a failure hitting many
// things and leaving a site uncovered raises a medium ticket twice, once
// for urgency and once for impact, each reason quoting its evidence.
func TestFailureAtScaleRaisesPriority(t *testing.T) {
	text := "Cameras down\nAll 40 cameras offline since 2am, no security coverage on site."
	got := suggestPriority(&models.Ticket{}, nil, sentiment.New().Analyze(text))
	all := strings.Join(got.Reasons, " | ")
	if got.Priority != models.PriorityCritical || !strings.Contains(all, "urgency") || !strings.Contains(all, "impact signal") ||
		!strings.Contains(all, "All 40 cameras") || !strings.Contains(all, "no security coverage") {
		t.Errorf("%s, %q; want critical, raised for urgency (no security coverage) and impact (All 40 cameras)", got.Priority, all)
	}
	calm := suggestPriority(&models.Ticket{}, nil, sentiment.New().Analyze("Two of my 40 cameras need new batteries soon."))
	if calm.Priority != models.PriorityMedium {
		t.Errorf("a calm ticket: %s, %q; want medium", calm.Priority, strings.Join(calm.Reasons, " | "))
	}
}
