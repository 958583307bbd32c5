package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// Chat fits the interface engine/answer consumes.
var _ interface {
	Complete(ctx context.Context, system, user string) (string, error)
	Stream(ctx context.Context, system, user string, fn func(delta string) error) (string, error)
} = (*Chat)(nil)

// chatMessage is one message of a chat request.
type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatRequest is the body of a request to /chat/completions.
type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
	Stream   bool          `json:"stream"`

	raw map[string]json.RawMessage
}

// chatCall is one request the chat server received.
type chatCall struct {
	path   string
	query  url.Values
	header http.Header
	body   chatRequest
}

// chatHandler answers one request to the chat server.
type chatHandler func(t *testing.T, w http.ResponseWriter, r *http.Request, req chatRequest)

// chatServer speaks OpenAI's chat-completions protocol: JSON for a
// completion, server-sent events for a stream, and OpenAI's error bodies.
type chatServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []chatCall
}

// newChatServer starts a chat server that answers with handle. It is
// closed when the test ends.
func newChatServer(t *testing.T, handle chatHandler) *chatServer {
	t.Helper()
	s := &chatServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("server: reading body: %v", err)
			return
		}
		var req chatRequest
		if err := json.Unmarshal(data, &req); err != nil {
			t.Errorf("server: body %s: %v", data, err)
		}
		if err := json.Unmarshal(data, &req.raw); err != nil {
			t.Errorf("server: body %s: %v", data, err)
		}
		if r.Method != http.MethodPost {
			t.Errorf("server: method %s, want POST", r.Method)
		}
		s.mu.Lock()
		s.calls = append(s.calls, chatCall{path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: req})
		s.mu.Unlock()
		handle(t, w, r, req)
	}))
	t.Cleanup(s.Close)
	return s
}

// Calls returns the requests received so far.
func (s *chatServer) Calls() []chatCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// reply answers with the reply text, as a completion or as a stream of
// pieces of at most 5 bytes, as the request asks.
func reply(text string) chatHandler {
	return func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
		if req.Stream {
			writeStream(t, w, req.Model, chunksOf(text, 5), "stop")
			return
		}
		writeCompletion(t, w, req.Model, text, "stop")
	}
}

// chunksOf cuts s into pieces of at most n bytes.
func chunksOf(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// writeCompletion writes a chat completion whose one choice is content.
func writeCompletion(t *testing.T, w http.ResponseWriter, model, content, finish string) {
	t.Helper()
	writeJSON(t, w, map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600, "model": model,
		"system_fingerprint": "fp_sift",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage": map[string]int{"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
	})
}

// writeJSON writes v as a 200 JSON response.
func writeJSON(t *testing.T, w http.ResponseWriter, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("server: %v", err)
	}
}

// startStream writes the headers of a stream.
func startStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// writeEvent writes one event of a stream and flushes it.
func writeEvent(t *testing.T, w http.ResponseWriter, data string) {
	t.Helper()
	if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
		t.Logf("server: %v", err) // the client may have gone
	}
	w.(http.Flusher).Flush()
}

// chunk returns the JSON of a stream event whose first choice adds
// content, ending the reply when finish is not "".
func chunk(model, content, finish string) string {
	delta := map[string]any{}
	if content != "" {
		delta["content"] = content
	}
	var fr any
	if finish != "" {
		fr = finish
	}
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1767225600, "model": model,
		"system_fingerprint": "fp_sift",
		"choices":            []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": fr}},
	})
	return string(b)
}

// writeStream writes a whole stream as OpenAI does: an event with the
// role, one per piece, one with the finish reason, then [DONE].
func writeStream(t *testing.T, w http.ResponseWriter, model string, pieces []string, finish string) {
	t.Helper()
	startStream(w)
	writeEvent(t, w, `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"`+model+
		`","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`)
	for _, p := range pieces {
		writeEvent(t, w, chunk(model, p, ""))
	}
	writeEvent(t, w, chunk(model, "", finish))
	writeEvent(t, w, "[DONE]")
}

// writeChatError answers with status and an OpenAI error body.
func writeChatError(w http.ResponseWriter, status int, message, typ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": message, "type": typ, "param": nil, "code": nil},
	})
}

// newTestChat returns a chat client for s with cfg's zero fields filled in
// for tests.
func newTestChat(t *testing.T, s *chatServer, cfg ChatConfig, log *slog.Logger) *Chat {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = s.URL + "/v1"
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Model == "" {
		cfg.Model = "gpt-4o-mini"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	c, err := NewChat(cfg, log)
	if err != nil {
		t.Fatalf("NewChat: %v", err)
	}
	return c
}

// chatMode is one way of calling a Chat: Complete, or Stream collecting
// the pieces.
type chatMode struct {
	name string
	call func(ctx context.Context, c *Chat, system, user string) (string, []string, error)
}

var chatModes = []chatMode{
	{"complete", func(ctx context.Context, c *Chat, system, user string) (string, []string, error) {
		text, err := c.Complete(ctx, system, user)
		return text, nil, err
	}},
	{"stream", func(ctx context.Context, c *Chat, system, user string) (string, []string, error) {
		var pieces []string
		text, err := c.Stream(ctx, system, user, func(d string) error {
			pieces = append(pieces, d)
			return nil
		})
		return text, pieces, err
	}},
}

func TestChatConfigValidate(t *testing.T) {
	valid := ChatConfig{BaseURL: "http://localhost:11434/v1", Model: "llama3.1:8b"}
	for _, tc := range []struct {
		name    string
		edit    func(*ChatConfig)
		wantErr string // "" for valid
	}{
		{"local server without key", func(*ChatConfig) {}, ""},
		{"OpenAI with key", func(c *ChatConfig) { c.BaseURL, c.APIKey = "", "sk-x" }, ""},
		{"OpenAI without key", func(c *ChatConfig) { c.BaseURL = "" }, "APIKey is empty"},
		{"no model", func(c *ChatConfig) { c.Model = "" }, "Model is empty"},
		{"base URL not http", func(c *ChatConfig) { c.BaseURL = "localhost:11434" }, "BaseURL"},
		{"base URL with credentials", func(c *ChatConfig) { c.BaseURL = "https://user:hunter2@example.com/v1" }, "BaseURL must not hold credentials"},
		{"negative timeout", func(c *ChatConfig) { c.Timeout = -time.Second }, "Timeout is -1s"},
		{"Azure", func(c *ChatConfig) {
			c.BaseURL, c.APIKey, c.Model, c.AzureAPIVersion = "https://sift.openai.azure.com", "k", "answers-4o", "2024-06-01"
		}, ""},
		{"Azure without endpoint", func(c *ChatConfig) { c.BaseURL, c.APIKey, c.AzureAPIVersion = "", "k", "2024-06-01" }, "BaseURL must be the Azure resource endpoint"},
		{"Azure without key", func(c *ChatConfig) { c.AzureAPIVersion = "2024-06-01" }, "APIKey is empty"},
		{"Azure bad deployment", func(c *ChatConfig) { c.APIKey, c.Model, c.AzureAPIVersion = "k", "a/b", "2024-06-01" }, `Model "a/b" is not an Azure deployment name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "chat config")):
				t.Errorf("Validate() = %v, want a chat config error naming %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Validate() error holds a password: %v", err)
			}
			if _, nerr := NewChat(c, nil); (nerr == nil) != (err == nil) {
				t.Errorf("NewChat error %v, Validate error %v", nerr, err)
			}
		})
	}
	if got := (ChatConfig{Model: "m"}).withDefaults(); got.Timeout != DefaultChatTimeout || got.BaseURL != DefaultBaseURL {
		t.Errorf("defaults %+v, want Timeout %s and BaseURL %s", got, DefaultChatTimeout, DefaultBaseURL)
	}
}

func TestChatConfigHidesKey(t *testing.T) {
	c := ChatConfig{APIKey: testKey, Model: "gpt-4o-mini", BaseURL: "https://u:hunter2@example.com/v1"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c)
	for _, s := range []string{
		c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint(&c), logs.String(),
	} {
		if strings.Contains(s, testKey) || strings.Contains(s, "hunter2") {
			t.Errorf("%s holds a secret", s)
		}
		if !strings.Contains(s, "gpt-4o-mini") {
			t.Errorf("%s does not describe the config", s)
		}
	}
}

func TestChatReply(t *testing.T) {
	const want = "To reset your password:\n1. Open **Sign in**. [1]\n2. Choose *Forgot password*. [1]"
	for _, m := range chatModes {
		t.Run(m.name, func(t *testing.T) {
			s := newChatServer(t, reply(want))
			c := newTestChat(t, s, ChatConfig{}, nil)
			got, pieces, err := m.call(context.Background(), c, "Answer from the sources.", "Question: how do I reset my password?")
			if err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			if got != want {
				t.Errorf("reply %q, want %q", got, want)
			}
			if m.name == "stream" && !slices.Equal(pieces, chunksOf(want, 5)) {
				t.Errorf("pieces %q, want the server's %q", pieces, chunksOf(want, 5))
			}
			calls := s.Calls()
			if len(calls) != 1 {
				t.Fatalf("%d requests, want 1", len(calls))
			}
			call := calls[0]
			if call.path != "/v1/chat/completions" {
				t.Errorf("path %q, want /v1/chat/completions", call.path)
			}
			if call.body.Model != "gpt-4o-mini" {
				t.Errorf("model %q, want gpt-4o-mini", call.body.Model)
			}
			wantMsgs := []chatMessage{{"system", "Answer from the sources."}, {"user", "Question: how do I reset my password?"}}
			if !slices.Equal(call.body.Messages, wantMsgs) {
				t.Errorf("messages %+v, want %+v", call.body.Messages, wantMsgs)
			}
			if call.body.Stream != (m.name == "stream") {
				t.Errorf("stream %v in a %s request", call.body.Stream, m.name)
			}
			temp, err := strconv.ParseFloat(string(call.body.raw["temperature"]), 64)
			if err != nil || temp < 0 || temp > 1e-6 {
				t.Errorf("temperature %s, want 0 (or as near as go-openai sends)", call.body.raw["temperature"])
			}
			if got := call.header.Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization header %q, want the key as a Bearer token", got)
			}
			if got := c.Model(); got != "gpt-4o-mini" {
				t.Errorf("Model() = %q, want gpt-4o-mini", got)
			}
		})
	}
}

// TestChatReasoningModel checks that a model that fixes its temperature
// is sent none, which go-openai would refuse.
func TestChatReasoningModel(t *testing.T) {
	s := newChatServer(t, reply("Restart the router. [1]"))
	c := newTestChat(t, s, ChatConfig{Model: "o3-mini"}, nil)
	if _, err := c.Complete(context.Background(), "s", "u"); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if raw, ok := s.Calls()[0].body.raw["temperature"]; ok {
		t.Errorf("temperature %s sent to a reasoning model, want none", raw)
	}
}

// TestChatStreamArrivesInPieces has the server wait, after each piece,
// until the client has handed it on: the pieces reach fn as they come,
// not when the stream ends.
func TestChatStreamArrivesInPieces(t *testing.T) {
	pieces := []string{"Open ", "**Settings** ", "> **Network**", ", then ", "restart. [1]"}
	seen := make(chan string)
	s := newChatServer(t, func(t *testing.T, w http.ResponseWriter, r *http.Request, req chatRequest) {
		startStream(w)
		// Azure opens with an event of no choices, for its content filter.
		writeEvent(t, w, `{"id":"","object":"","created":0,"model":"","choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}`)
		for _, p := range pieces {
			writeEvent(t, w, chunk(req.Model, p, ""))
			select {
			case got := <-seen:
				if got != p {
					t.Errorf("server: client handed on %q, want %q", got, p)
				}
			case <-time.After(2 * time.Second):
				t.Errorf("server: client did not hand on %q before the next piece", p)
				return
			case <-r.Context().Done():
				return
			}
		}
		writeEvent(t, w, chunk(req.Model, "", "stop"))
		writeEvent(t, w, "[DONE]")
	})
	c := newTestChat(t, s, ChatConfig{}, nil)
	var got []string
	text, err := c.Stream(context.Background(), "s", "u", func(d string) error {
		got = append(got, d)
		seen <- d
		return nil
	})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if !slices.Equal(got, pieces) {
		t.Errorf("fn saw %q, want %q", got, pieces)
	}
	if want := strings.Join(pieces, ""); text != want {
		t.Errorf("Stream returned %q, want %q", text, want)
	}
}

func TestChatStreamCallbackError(t *testing.T) {
	s := newChatServer(t, reply("A reply long enough to come in several pieces. [1]"))
	c := newTestChat(t, s, ChatConfig{}, nil)
	stop := errors.New("portal went away")
	calls := 0
	text, err := c.Stream(context.Background(), "s", "u", func(string) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || text != "" {
		t.Errorf("Stream = %q, %v; want no text and fn's error", text, err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times after failing, want 1", calls)
	}
}

// hangUp closes the connection without an answer.
func hangUp(t *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("server: hijack: %v", err)
		return
	}
	conn.Close()
}

// stall answers nothing until the request's context ends, or for a
// second; in a stream, after one piece.
func stall(t *testing.T, w http.ResponseWriter, r *http.Request, req chatRequest) {
	if req.Stream {
		startStream(w)
		writeEvent(t, w, chunk(req.Model, "Restart", ""))
	}
	select {
	case <-r.Context().Done():
	case <-time.After(time.Second):
	}
}

// each answers a completion request with complete and a stream request
// with stream.
func each(complete, stream chatHandler) chatHandler {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request, req chatRequest) {
		if req.Stream {
			stream(t, w, r, req)
			return
		}
		complete(t, w, r, req)
	}
}

func TestChatFailures(t *testing.T) {
	long := strings.Repeat("Restart the router and wait. ", MaxReplyBytes/29+1) // just over MaxReplyBytes
	for _, tc := range []struct {
		name    string
		handle  chatHandler
		only    string // "complete" or "stream": the case applies to one mode only
		timeout time.Duration
		wantIs  error
		wantErr []string // substrings of the message
		notErr  string   // not in the message
	}{
		{
			name: "429 with Retry-After",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				w.Header().Set("Retry-After", "2")
				writeChatError(w, 429, "Rate limit reached for gpt-4o-mini", "requests")
			},
			wantIs:  models.ErrRateLimited,
			wantErr: []string{"rate limiting (429)", "retry after 2s", "Rate limit reached"},
		},
		{
			name: "429 without Retry-After",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				writeChatError(w, 429, "You exceeded your current quota", "insufficient_quota")
			},
			wantIs:  models.ErrRateLimited,
			wantErr: []string{"(429)", "exceeded your current quota"},
			notErr:  "retry after",
		},
		{
			name: "500",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				writeChatError(w, 500, "The server had an error while processing your request.", "server_error")
			},
			wantIs:  models.ErrUnavailable,
			wantErr: []string{"status 500", "server had an error"},
		},
		{
			name: "502 from a proxy with an HTML body",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				fmt.Fprint(w, "<html>Bad Gateway</html>")
			},
			wantIs:  models.ErrUnavailable,
			wantErr: []string{"status 502", "Bad Gateway"},
		},
		{
			name: "404 unknown model",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				writeChatError(w, 404, `model "gpt-4o-mini" not found, try pulling it first`, "api_error")
			},
			wantIs:  models.ErrUnavailable,
			wantErr: []string{"not found (404)", "check BaseURL", `Model "gpt-4o-mini"`},
		},
		{
			name:    "connection dropped",
			handle:  hangUp,
			wantIs:  models.ErrUnavailable,
			wantErr: []string{"request failed"},
		},
		{
			name:    "slow server past the timeout",
			handle:  stall,
			timeout: 100 * time.Millisecond,
			wantIs:  context.DeadlineExceeded,
			wantErr: []string{"no reply within 100ms"},
		},
		{
			name: "malformed JSON",
			handle: each(
				func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprint(w, `{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"Restart`)
				},
				func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
					startStream(w)
					writeEvent(t, w, chunk(req.Model, "Restart", ""))
					writeEvent(t, w, `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"the`)
				}),
			wantIs:  models.ErrInvalid,
			wantErr: []string{"malformed reply"},
		},
		{
			name: "not JSON at all",
			only: "complete",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				w.Header().Set("Content-Type", "text/plain")
				fmt.Fprint(w, "Restart the router.")
			},
			wantIs:  models.ErrInvalid,
			wantErr: []string{"malformed reply", "invalid character"},
		},
		{
			name: "empty choices",
			handle: each(
				func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
					writeJSON(t, w, map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model, "choices": []any{}})
				},
				func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
					startStream(w)
					writeEvent(t, w, `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"`+req.Model+`","choices":[]}`)
					writeEvent(t, w, "[DONE]")
				}),
			wantIs:  models.ErrInvalid,
			wantErr: []string{"malformed reply"},
		},
		{
			name:    "empty message",
			handle:  reply(" \n"),
			wantIs:  models.ErrInvalid,
			wantErr: []string{"malformed reply: reply is empty"},
		},
		{
			name: "cut at the token limit",
			handle: each(
				func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
					writeCompletion(t, w, req.Model, "1. Open Settings. [1]\n2. Choose", "length")
				},
				func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
					writeStream(t, w, req.Model, []string{"1. Open Settings. [1]\n2. Choose"}, "length")
				}),
			wantIs:  models.ErrInvalid,
			wantErr: []string{"cut at the model's token limit"},
		},
		{
			name:    "over-long reply",
			handle:  reply(long),
			wantIs:  models.ErrInvalid,
			wantErr: []string{"longer than 32768 bytes"},
		},
		{
			name: "body over the read limit",
			only: "complete",
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
				writeCompletion(t, w, req.Model, strings.Repeat(long, 5), "stop")
			},
			wantIs:  models.ErrInvalid,
			wantErr: []string{"longer than 32768 bytes"},
		},
		{
			name: "stream cut before the end",
			only: "stream",
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
				startStream(w)
				writeEvent(t, w, chunk(req.Model, "1. Open Settings. [1]", ""))
			},
			wantIs:  models.ErrInvalid,
			wantErr: []string{"stream ended before the reply was finished"},
		},
		{
			name: "error event in the stream",
			only: "stream",
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
				startStream(w)
				writeEvent(t, w, chunk(req.Model, "1. Open", ""))
				writeEvent(t, w, `{"error":{"message":"The model is overloaded.","type":"server_error","param":null,"code":null}}`)
			},
			wantIs:  models.ErrUnavailable,
			wantErr: []string{"error in the stream", "overloaded"},
		},
		{
			name: "a stream answered with JSON",
			only: "stream",
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request, req chatRequest) {
				writeCompletion(t, w, req.Model, "Restart the router. [1]", "stop")
			},
			wantIs:  models.ErrInvalid,
			wantErr: []string{"malformed reply"},
		},
	} {
		for _, m := range chatModes {
			if tc.only != "" && tc.only != m.name {
				continue
			}
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				s := newChatServer(t, tc.handle)
				c := newTestChat(t, s, ChatConfig{Timeout: tc.timeout}, nil)
				start := time.Now()
				text, _, err := m.call(context.Background(), c, "s", "u")
				if err == nil {
					t.Fatalf("%s returned %q, want an error", m.name, text)
				}
				t.Logf("error: %v", err)
				if text != "" {
					t.Errorf("%s returned text %q with its error", m.name, text)
				}
				if !errors.Is(err, tc.wantIs) {
					t.Errorf("error %q does not match %v", err, tc.wantIs)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				if tc.notErr != "" && strings.Contains(err.Error(), tc.notErr) {
					t.Errorf("error %q contains %q", err, tc.notErr)
				}
				if n := len(s.Calls()); n != 1 {
					t.Errorf("%d requests, want 1: Chat never retries", n)
				}
				if tc.timeout > 0 {
					if d := time.Since(start); d > tc.timeout+500*time.Millisecond {
						t.Errorf("%s returned after %s with a timeout of %s", m.name, d, tc.timeout)
					}
				}
			})
		}
	}
}

func TestChatContext(t *testing.T) {
	for _, m := range chatModes {
		t.Run("cancelled/"+m.name, func(t *testing.T) {
			s := newChatServer(t, stall)
			c := newTestChat(t, s, ChatConfig{Timeout: 10 * time.Second}, nil)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			_, _, err := m.call(ctx, c, "s", "u")
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
		})
		t.Run("caller's deadline/"+m.name, func(t *testing.T) {
			s := newChatServer(t, stall)
			c := newTestChat(t, s, ChatConfig{Timeout: 10 * time.Second}, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, _, err := m.call(ctx, c, "s", "u")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want context.DeadlineExceeded", err)
			}
		})
	}
	t.Run("server gone", func(t *testing.T) {
		s := newChatServer(t, reply("unused"))
		c := newTestChat(t, s, ChatConfig{}, nil)
		s.Close()
		_, err := c.Complete(context.Background(), "s", "u")
		if !errors.Is(err, models.ErrUnavailable) {
			t.Errorf("error %v, want models.ErrUnavailable", err)
		}
	})
}

func TestChatAzure(t *testing.T) {
	for _, m := range chatModes {
		t.Run(m.name, func(t *testing.T) {
			s := newChatServer(t, reply("Restart the router. [1]"))
			c := newTestChat(t, s, ChatConfig{BaseURL: s.URL, Model: "sift-answers.4o", AzureAPIVersion: "2024-06-01", Organization: "org-sift"}, nil)
			if _, _, err := m.call(context.Background(), c, "s", "u"); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			call := s.Calls()[0]
			if want := "/openai/deployments/sift-answers.4o/chat/completions"; call.path != want {
				t.Errorf("path %q, want %q", call.path, want)
			}
			if got := call.query.Get("api-version"); got != "2024-06-01" {
				t.Errorf("api-version %q, want 2024-06-01", got)
			}
			if got := call.header.Get("api-key"); got != testKey {
				t.Errorf("api-key header %q, want the key", got)
			}
			if got := call.header.Get("Authorization"); got != "" {
				t.Errorf("Authorization header %q, want none for Azure", got)
			}
			if got := call.header.Get("OpenAI-Organization"); got != "org-sift" {
				t.Errorf("OpenAI-Organization header %q, want org-sift", got)
			}
		})
	}
}

func TestLimitedBody(t *testing.T) {
	for _, tc := range []struct {
		size    int
		wantErr error
	}{
		{99, nil},
		{100, nil},
		{101, errTooLong},
		{5000, errTooLong},
	} {
		b := &limitedBody{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", tc.size))), left: 100}
		got, err := io.ReadAll(b)
		if !errors.Is(err, tc.wantErr) && !(tc.wantErr == nil && err == nil) {
			t.Errorf("reading %d bytes with a limit of 100: error %v, want %v", tc.size, err, tc.wantErr)
		}
		if tc.wantErr == nil && len(got) != tc.size {
			t.Errorf("read %d of %d bytes", len(got), tc.size)
		}
		if len(got) > 101 {
			t.Errorf("read %d bytes with a limit of 100", len(got))
		}
	}
}

// TestChatKeyNeverLeaks makes an endpoint quote the key back in every
// error it can, and checks that neither the logs, at Debug, nor the
// errors hold it.
func TestChatKeyNeverLeaks(t *testing.T) {
	echo := "Incorrect API key provided: " + testKey + ". You can find your API key at https://platform.openai.com."
	status := func(code int) chatHandler {
		return func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			writeChatError(w, code, echo, "invalid_request_error")
		}
	}
	for _, tc := range []struct {
		name   string
		handle chatHandler
	}{
		{"401", status(401)},
		{"400", status(400)},
		{"403", status(403)},
		{"429", status(429)},
		{"500", status(500)},
		{"404 plain body", func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			w.WriteHeader(404)
			fmt.Fprint(w, echo)
		}},
		{"key cut by the length limit", func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			writeChatError(w, 400, strings.Repeat("x", maxDetail-16)+testKey, "invalid_request_error")
		}},
		{"error event in a stream", each(status(400), func(t *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			startStream(w)
			writeEvent(t, w, `{"error":{"message":"`+echo+`","type":"invalid_request_error"}}`)
		})},
		{"malformed reply quoting the key", each(
			func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"key": `+testKey+`}`)
			},
			func(t *testing.T, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				startStream(w)
				writeEvent(t, w, `{"key": `+testKey+`}`)
			})},
		{"success", reply("Restart the router. [1]")},
	} {
		for _, m := range chatModes {
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				var logs bytes.Buffer
				log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				s := newChatServer(t, tc.handle)
				c := newTestChat(t, s, ChatConfig{}, log)
				_, _, err := m.call(context.Background(), c, "s", "u")
				if err != nil && strings.Contains(err.Error(), testKey[:12]) {
					t.Errorf("error holds the key: %v", err)
				}
				if err != nil && strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), testKey) {
					t.Errorf("formatted error holds the key")
				}
				if tc.name != "success" && err == nil {
					t.Errorf("%s succeeded against a failing endpoint", m.name)
				}
				if strings.Contains(logs.String(), testKey[:12]) {
					t.Errorf("logs hold the key:\n%s", logs.String())
				}
				if !strings.Contains(logs.String(), "chat request") {
					t.Errorf("the call was not logged at Debug:\n%s", logs.String())
				}
			})
		}
	}
}
