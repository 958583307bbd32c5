package models

import (
	"slices"
	"time"
)

// EventType names what a portal user did.
type EventType string

// Event types a portal reports.
const (
	EventSearch            EventType = "search"              // a search ran: Query, ResultCount
	EventSuggestionShown   EventType = "suggestion_shown"    // type-ahead suggestions shown: Query, ArticleIDs
	EventArticleView       EventType = "article_view"        // an article was opened: ArticleID
	EventArticleFeedback   EventType = "article_feedback"    // "was this helpful?": ArticleID, Helpful
	EventTicketFormStarted EventType = "ticket_form_started" // the ticket form was opened
	EventDeflectionShown   EventType = "deflection_shown"    // articles shown under the form: ArticleIDs
	EventTicketSubmitted   EventType = "ticket_submitted"    // a ticket was filed: TicketID, Category
	EventTicketAbandoned   EventType = "ticket_abandoned"    // the form was left without filing
	EventAnswerShown       EventType = "answer_shown"        // an answer was shown: ArticleIDs it rests on
	EventAnswerFeedback    EventType = "answer_feedback"     // "did this answer help?": Helpful
	EventKnownIssueShown   EventType = "known_issue_shown"   // a known issue's notice was shown: IncidentID
)

// EventTypes lists every event type.
var EventTypes = []EventType{EventSearch, EventSuggestionShown, EventArticleView, EventArticleFeedback,
	EventTicketFormStarted, EventDeflectionShown, EventTicketSubmitted, EventTicketAbandoned,
	EventAnswerShown, EventAnswerFeedback, EventKnownIssueShown}

// MaxEventArticles bounds the article ids one event may carry.
const MaxEventArticles = 50

// Event is one thing a portal user did, as the portal reports it. ID is
// chosen by the client, so a retried batch is not counted twice.
type Event struct {
	ID          string    `json:"id"`
	Type        EventType `json:"type"`
	SessionID   string    `json:"session_id"`
	Portal      Portal    `json:"portal"`
	Time        time.Time `json:"time"`
	Query       string    `json:"query,omitempty"`
	ResultCount int       `json:"result_count,omitempty"`
	ArticleID   string    `json:"article_id,omitempty"`
	ArticleIDs  []string  `json:"article_ids,omitempty"`
	Helpful     *bool     `json:"helpful,omitempty"`
	TicketID    string    `json:"ticket_id,omitempty"`
	Category    string    `json:"category,omitempty"`
	// IncidentID names the incident of a known_issue_shown event.
	IncidentID string `json:"incident_id,omitempty"`
	// BestRelevance is, for a search Sift recorded itself, the calibrated
	// relevance of the best article it found (see ConfidentRelevance).
	BestRelevance *float64 `json:"best_relevance,omitempty"`
}

// ConfidentRelevance is the relevance from which the best article found
// answers a search with confidence: a search whose best article is below
// it (or that found none) is one self-service did not answer, and feeds
// the content gaps.
const ConfidentRelevance = 0.3

// Validate reports the first problem with the event, naming the field.
func (e *Event) Validate() error {
	if err := ValidateID(e.ID); err != nil {
		return err
	}
	if !slices.Contains(EventTypes, e.Type) {
		return Invalid("type", "unknown event type %q", e.Type)
	}
	if e.SessionID == "" {
		return Invalid("session_id", "is required")
	}
	if err := checkTexts(MaxLabelLength, "session_id", e.SessionID, "ticket_id", e.TicketID, "category", e.Category, "article_id", e.ArticleID, "incident_id", e.IncidentID); err != nil {
		return err
	}
	if _, err := ParsePortal(string(e.Portal)); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return Invalid("time", "is required (RFC 3339)")
	}
	if err := checkText("query", e.Query, MaxSearchQueryLength); err != nil {
		return err
	}
	if e.ResultCount < 0 {
		return Invalid("result_count", "must not be negative")
	}
	if r := e.BestRelevance; r != nil && !(*r >= 0 && *r <= 1) {
		return Invalid("best_relevance", "must be between 0 and 1")
	}
	if len(e.ArticleIDs) > MaxEventArticles {
		return Invalid("article_ids", "has %d ids, at most %d allowed", len(e.ArticleIDs), MaxEventArticles)
	}
	switch e.Type {
	case EventArticleView, EventArticleFeedback:
		if e.ArticleID == "" {
			return Invalid("article_id", "is required for %s", e.Type)
		}
	}
	if (e.Type == EventArticleFeedback || e.Type == EventAnswerFeedback) && e.Helpful == nil {
		return Invalid("helpful", "is required for %s", e.Type)
	}
	if e.Type == EventKnownIssueShown && e.IncidentID == "" {
		return Invalid("incident_id", "is required for known_issue_shown")
	}
	if e.Type == EventAnswerShown && len(e.ArticleIDs) == 0 {
		return Invalid("article_ids", "is required for answer_shown: the articles the answer rests on")
	}
	if e.Type == EventSearch && e.Query == "" {
		return Invalid("query", "is required for search")
	}
	return nil
}
