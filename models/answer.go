package models

// Answer modes.
const (
	AnswerExtractive = "extractive" // the best passage, quoted verbatim
	AnswerGenerative = "generative" // written by a chat model from the passages, citing them
)

// MaxAnswerPassages bounds the passages an answer lists.
const MaxAnswerPassages = 3

// AnswerRequest asks for an answer to a question, or to a ticket being
// drafted (Subject and Body), from the articles the audience may read.
type AnswerRequest struct {
	Question string `json:"question"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	// AnswerMode is AnswerExtractive to ask for the best passage even when
	// a chat model could write the answer; empty lets the server choose
	// (generative when it has a chat model).
	AnswerMode string   `json:"answer_mode,omitempty"`
	Audience   Audience `json:"-"`                    // as in SuggestRequest
	SessionID  string   `json:"session_id,omitempty"` // as in SuggestRequest
	Retrieval
}

// Text returns what the request asks: the question, or the draft's
// subject and body.
func (r AnswerRequest) Text() string {
	if r.Question != "" {
		return r.Question
	}
	return r.Subject + "\n" + r.Body
}

// Answer is a short reply to a question, grounded in the articles, or an
// explicit "no answer" when they do not answer it.
type Answer struct {
	// Answered says whether the articles answer the question with
	// confidence: when false, Text is empty and a portal shows its usual
	// "nothing found, contact us".
	Answered bool `json:"answered"`
	// Text is the answer: in extractive mode the best passage as written
	// (Markdown: steps stay steps); in generative mode a reply that cites
	// passages as [1], [2].
	Text string `json:"text,omitempty"`
	// Confidence is the calibrated probability that the answer's passage
	// answers the question (of the best passage when there is no answer).
	Confidence float64 `json:"confidence"`
	// Mode is AnswerExtractive or AnswerGenerative; Fallback says why a
	// generative answer was not given when one was asked for.
	Mode     string `json:"mode"`
	Fallback string `json:"fallback,omitempty"`
	// Passages are the passages the answer rests on, the answer's first:
	// at most MaxAnswerPassages, only of articles the caller may read.
	Passages   []AnswerPassage `json:"passages"`
	Degraded   []string        `json:"degraded,omitempty"` // as in SearchResult
	TookMicros int64           `json:"took_us"`
}

// AnswerPassage is a passage of an article an answer rests on.
type AnswerPassage struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Heading   string `json:"heading,omitempty"`
	Text      string `json:"text"`
	// Start and End are the passage's byte offsets in the article's body.
	Start int `json:"start"`
	End   int `json:"end"`
	// Probability is the calibrated probability that the passage answers
	// the question.
	Probability float64 `json:"probability"`
}
