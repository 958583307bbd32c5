package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/indexer/openai"
	"github.com/siftdesk/sift/models"
)

// fakeChat is a local server that speaks OpenAI's chat-completions
// protocol (JSON, and server-sent events when asked to stream), replying
// as reply says, and keeping every prompt it was sent.
type fakeChat struct {
	mu      sync.Mutex
	prompts []string
	reply   string        // the model's reply; "429" and "slow" fail instead
	slow    time.Duration // how long "slow" takes
}

func (f *fakeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stream   bool `json:"stream"`
		Messages []struct{ Role, Content string }
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	for _, m := range req.Messages {
		f.prompts = append(f.prompts, m.Content)
	}
	reply, slow := f.reply, f.slow
	f.mu.Unlock()
	switch reply {
	case "429":
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"Rate limit reached","type":"requests"}}`)
		return
	case "slow":
		time.Sleep(slow)
		reply = "Too late [1]."
	}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": "m",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": reply}}}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for i, word := range strings.SplitAfter(reply, " ") {
		chunk := map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "m",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": word}}}}
		if i == 0 {
			chunk["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)["role"] = "assistant"
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", b)
		w.(http.Flusher).Flush()
	}
	fmt.Fprint(w, `data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n")
}

func (f *fakeChat) set(reply string) {
	f.mu.Lock()
	f.reply, f.prompts = reply, nil
	f.mu.Unlock()
}

func (f *fakeChat) sent() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.prompts, "\n")
}

// newChatServer returns a test server over the demo fixture whose engine
// writes answers and replies with chat, served locally, within a second.
func newChatServer(t *testing.T, chat *fakeChat) *testServer {
	t.Helper()
	srv := httptest.NewServer(chat)
	t.Cleanup(srv.Close)
	s := newServer(t, api.Config{})
	s.load()
	m, err := openai.NewChat(openai.ChatConfig{BaseURL: srv.URL + "/v1", Model: "m", Timeout: time.Second}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	s.eng.UseChat(m, time.Second)
	return s
}

// TestGenerativeAnswers answers through the API with a chat model behind a
// local OpenAI-compatible server: a reply that cites the passages is the
// answer; one that invents a citation, a 429, a timeout or a question no
// article answers gets the extractive answer (or none), saying why; a
// stream brings the text as it comes and the answer at the end; and the
// model is sent only passages the caller may read.
func TestGenerativeAnswers(t *testing.T) {
	chat := &fakeChat{slow: 2 * time.Second}
	s := newChatServer(t, chat)
	cust := s.newKey(models.RolePortal, models.PortalCustomer)
	ask := func(body map[string]any) models.Answer {
		t.Helper()
		var a models.Answer
		s.as(cust).do(http.MethodPost, "/v1/answer", body).mustStatus(t, http.StatusOK).decode(t, &a)
		return a
	}
	reset := map[string]any{"question": "how do I reset my password?"}

	chat.set("Open Settings and choose Reset password; the link we email is valid for one hour [1].")
	if a := ask(reset); a.Mode != models.AnswerGenerative || !strings.HasSuffix(a.Text, "[1].") || a.Fallback != "" || a.Passages[0].ArticleID != pubReset {
		t.Errorf("cited reply: %+v; want the generative answer over %s", a, pubReset)
	}
	if !strings.Contains(chat.sent(), "We send a reset link by email") || !strings.Contains(chat.sent(), "how do I reset my password?") {
		t.Errorf("the model was not sent the passage and the question: %s", chat.sent())
	}
	for reply, reason := range map[string]string{
		"Choose Reset password [7].": "unknown citation [7]",
		"Choose Reset password.":     "no citation",
		"429":                        "rate limited",
		"slow":                       "timeout",
	} {
		chat.set(reply)
		a := ask(reset)
		if a.Mode != models.AnswerExtractive || a.Fallback != reason || !a.Answered || !strings.Contains(a.Text, "reset link") {
			t.Errorf("reply %q: %+v; want the extractive answer with fallback %q", reply, a, reason)
		}
	}
	chat.set("This answer should never be seen [1].")
	if a := ask(map[string]any{"question": "what is the capital of australia"}); a.Answered || chat.sent() != "" {
		t.Errorf("unanswerable: %+v, model sent %q; want no answer and no call", a, chat.sent())
	}
	chat.set("Open Settings and choose Reset password [1].")
	if a := ask(map[string]any{"question": "how do I reset my password?", "answer_mode": "extractive"}); a.Mode != models.AnswerExtractive || chat.sent() != "" {
		t.Errorf("extractive asked: %+v, model sent %q", a, chat.sent())
	}

	// Streaming: delta events with the text, then the answer.
	req := newRequest(t, http.MethodPost, "/v1/answer", map[string]any{"question": "how do I reset my password?", "stream": true})
	r := s.as(cust).doRequest(req).mustStatus(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream content type %q", ct)
	}
	var deltas strings.Builder
	var final models.Answer
	events := 0
	sc := bufio.NewScanner(strings.NewReader(string(r.Body)))
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
			events++
		case strings.HasPrefix(line, "data: ") && event == "delta":
			var d struct{ Text string }
			json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d)
			deltas.WriteString(d.Text)
		case strings.HasPrefix(line, "data: ") && event == "answer":
			json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &final)
		}
	}
	if events < 3 || deltas.String() != final.Text || final.Mode != models.AnswerGenerative || !strings.HasSuffix(final.Text, "[1].") {
		t.Errorf("stream: %d events, deltas %q, answer %+v", events, deltas.String(), final)
	}

	// The model never sees what the caller may not read.
	chat.set("Follow the runbook [1].")
	ask(map[string]any{"question": "how do I reset the password of a locked admin account, per the runbook?"})
	checkNoLeak(t, "prompt for a customer", []byte(chat.sent()), []string{"Runbook: reset password of a locked admin account", "Rotate the VPN gateway certificate", "HSM"})
}

// discardLog is a logger that writes nowhere.
func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestGenerativeSuggestedReply triages with a chat model behind a local
// OpenAI-compatible server: the suggested reply is written by the model
// from the article's answer and the resolution of a similar solved ticket
// (both sent to it, each cited), keeps only the sources it cites, falls
// back to the quoted reply when the model invents a citation or fails,
// and is quoted without a call when the request asks for extractive.
func TestGenerativeSuggestedReply(t *testing.T) {
	chat := &fakeChat{}
	s := newChatServer(t, chat)
	s.do(http.MethodPut, "/v1/tickets/tkt-acme-solved", map[string]any{"portal": "customer", "org": "Acme Ltd", "requester": "bo@acme.example",
		"subject": "Password reset email did not arrive", "body": "I asked for a password reset but no email came.",
		"status": "resolved", "resolution": "The address had a typo; we corrected it and the reset email arrived."}).mustStatus(t, http.StatusCreated)
	ticket := map[string]any{"portal": "customer", "org": "Acme Ltd", "requester": "ann@acme.example",
		"subject": "How do I reset my password?", "body": "I want to reset my password by email."}

	chat.set("Check that your address is right [2], then use the reset link we email [1].")
	res, _ := s.triage(ticket)
	r := res.Reply
	if r == nil || r.Mode != models.AnswerGenerative || r.Fallback != "" || !strings.HasPrefix(r.Text, "Hello,\n\nCheck that your address") ||
		len(r.Sources) != 2 || r.Sources[0].ID != "tkt-acme-solved" || r.Sources[1].ID != pubReset {
		t.Errorf("generative reply: %+v; want the model's text citing the ticket, then the article", r)
	}
	if sent := chat.sent(); !strings.Contains(sent, "The address had a typo") || !strings.Contains(sent, "reset link") || !strings.Contains(sent, "How do I reset my password?") {
		t.Errorf("the model was not sent the answer, the resolution and the ticket: %s", sent)
	}
	chat.set("Use the reset link [1].")
	if res, _ = s.triage(ticket); res.Reply == nil || len(res.Reply.Sources) != 1 || res.Reply.Sources[0].ID != pubReset {
		t.Errorf("reply citing the article only: %+v; want that source alone", res.Reply)
	}
	for reply, reason := range map[string]string{"Use the reset link [4].": "unknown citation [4]", "429": "rate limited"} {
		chat.set(reply)
		res, _ = s.triage(ticket)
		if r := res.Reply; r == nil || r.Mode != models.AnswerExtractive || r.Fallback != reason || !strings.Contains(r.Text, "The address had a typo") || len(r.Sources) != 2 {
			t.Errorf("model reply %q: %+v; want the quoted reply with fallback %q", reply, r, reason)
		}
	}
	chat.set("Never seen [1].")
	extractive := map[string]any{"reply_mode": "extractive"}
	for k, v := range ticket {
		extractive[k] = v
	}
	if res, _ = s.triage(extractive); res.Reply == nil || res.Reply.Mode != models.AnswerExtractive || res.Reply.Fallback != "" || chat.sent() != "" {
		t.Errorf("extractive asked: %+v, model sent %q; want the quoted reply and no call", res.Reply, chat.sent())
	}
	agent := s.newKey(models.RoleAgent, "")
	extractive["reply_mode"] = "poetic"
	checkProblem(t, s.as(agent).do(http.MethodPost, "/v1/triage", extractive), http.StatusBadRequest, models.CodeInvalid, "reply_mode")
}
