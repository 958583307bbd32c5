package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/siftdesk/sift/models"
)

// DefaultChatTimeout bounds a whole chat call, a stream included, when
// ChatConfig.Timeout is 0.
const DefaultChatTimeout = 15 * time.Second

// MaxReplyBytes is the longest reply Chat accepts; a longer one is
// malformed.
const MaxReplyBytes = 32 << 10

// Bounds on what Chat reads of a response body, envelope included: a
// completion's JSON (escapes may lengthen the text), and a stream, whose
// every event frames a few characters in about 150 bytes of JSON.
const (
	maxCompletionBody = 4 * MaxReplyBytes
	maxStreamBody     = 64 * MaxReplyBytes
)

// ChatConfig says which endpoint and chat model answers are written with.
// The zero value of every field but Model (and, for OpenAI and Azure,
// APIKey) means its documented default. Build it from flags and
// environment variables; the API key only from the environment.
type ChatConfig struct {
	// BaseURL is the endpoint, up to but excluding "/chat/completions":
	// "https://api.openai.com/v1" (the default), "http://localhost:11434/v1"
	// for Ollama, "http://host:8000/v1" for vLLM. For Azure it is the
	// resource endpoint, "https://NAME.openai.azure.com".
	BaseURL string

	// APIKey is sent as "Authorization: Bearer KEY", or as the "api-key"
	// header for Azure; required by OpenAI and Azure. It is a secret: the
	// package never logs it and removes it from error messages, and
	// ChatConfig's String, GoString and LogValue print "[redacted]".
	APIKey string

	// Model is the chat model, such as "gpt-4o-mini" or "llama3.1:8b", or
	// for Azure the name of the deployment. Required.
	Model string

	// Timeout bounds a whole call, from the request to the end of the
	// reply or of the stream: default 15s. Chat never retries.
	Timeout time.Duration

	// AzureAPIVersion, when set, selects Azure OpenAI with this API
	// version (such as "2024-06-01"): requests go to
	// BaseURL/openai/deployments/Model/chat/completions?api-version=AzureAPIVersion
	// and carry the key in the "api-key" header.
	AzureAPIVersion string

	// Organization, when set, is sent as the "OpenAI-Organization" header.
	Organization string
}

// withDefaults returns c with its zero fields set to their defaults.
func (c ChatConfig) withDefaults() ChatConfig {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultChatTimeout
	}
	return c
}

// Validate reports the first field of c, after defaults, that cannot
// work, naming it. It makes no request.
func (c ChatConfig) Validate() error {
	c = c.withDefaults()
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("openai: chat config: BaseURL %q is not an http(s) URL", redactURL(c.BaseURL))
	}
	if u.User != nil {
		return errors.New("openai: chat config: BaseURL must not hold credentials; set APIKey")
	}
	if c.Model == "" {
		return errors.New("openai: chat config: Model is empty")
	}
	if c.Timeout < 0 {
		return fmt.Errorf("openai: chat config: Timeout is %s, want more than 0 (0 means %s)", c.Timeout, DefaultChatTimeout)
	}
	if c.AzureAPIVersion != "" {
		if c.BaseURL == DefaultBaseURL {
			return errors.New("openai: chat config: BaseURL must be the Azure resource endpoint when AzureAPIVersion is set")
		}
		if c.APIKey == "" {
			return errors.New("openai: chat config: APIKey is empty; Azure OpenAI requires one")
		}
		if !validDeployment(c.Model) {
			return fmt.Errorf("openai: chat config: Model %q is not an Azure deployment name (letters, digits, '-', '_', '.')", c.Model)
		}
	} else if u.Host == "api.openai.com" && c.APIKey == "" {
		return errors.New("openai: chat config: APIKey is empty; api.openai.com requires one")
	}
	return nil
}

// String describes c with the API key replaced by "[redacted]" (or
// "[none]" when empty).
func (c ChatConfig) String() string {
	return fmt.Sprintf("{BaseURL:%s APIKey:%s Model:%s Timeout:%s AzureAPIVersion:%s Organization:%s}",
		redactURL(c.BaseURL), c.keyState(), c.Model, c.Timeout, c.AzureAPIVersion, c.Organization)
}

// GoString is String, so that %#v does not print the key either.
func (c ChatConfig) GoString() string { return "openai.ChatConfig" + c.String() }

// LogValue makes slog print c without its key.
func (c ChatConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", redactURL(c.BaseURL)),
		slog.String("api_key", c.keyState()),
		slog.String("model", c.Model),
		slog.Duration("timeout", c.Timeout),
		slog.String("azure_api_version", c.AzureAPIVersion),
		slog.String("organization", c.Organization),
	)
}

func (c ChatConfig) keyState() string {
	if c.APIKey == "" {
		return "[none]"
	}
	return "[redacted]"
}

// Chat writes replies with an OpenAI-compatible chat-completions endpoint
// (OpenAI, Azure OpenAI, Ollama, vLLM, LocalAI). It makes one request per
// call and never retries: a caller that answers people falls back at once.
// It is safe for concurrent use; get one with [NewChat].
type Chat struct {
	cfg ChatConfig // with defaults
	// complete and stream differ in how much of a response body they read.
	complete, stream *goopenai.Client
	// temperature is the request's: the smallest above 0, since go-openai
	// omits a 0, or 0 (omitted) for reasoning models, which fix their own.
	temperature float32
	log         *slog.Logger
}

// NewChat returns a chat client for cfg, or the error of cfg.Validate. It
// makes no request: a wrong key or model shows at the first call. A nil
// log discards.
func NewChat(cfg ChatConfig, log *slog.Logger) (*Chat, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Chat{
		cfg:         cfg,
		complete:    chatClient(cfg, maxCompletionBody),
		stream:      chatClient(cfg, maxStreamBody),
		temperature: math.SmallestNonzeroFloat32,
		log:         log.With("component", "openai-chat"),
	}
	// go-openai refuses any temperature but 1 for reasoning models (o1,
	// o3, gpt-5...), which ignore it: send none to them.
	probe := goopenai.ChatCompletionRequest{Model: cfg.Model, Temperature: c.temperature}
	if goopenai.NewReasoningValidator().Validate(probe) != nil {
		c.temperature = 0
	}
	c.log.Debug("chat configured", "config", cfg)
	return c, nil
}

// chatClient returns a go-openai client for cfg that reads at most limit
// bytes of a response body.
func chatClient(cfg ChatConfig, limit int64) *goopenai.Client {
	return newClient(cfg.APIKey, cfg.BaseURL, cfg.AzureAPIVersion, cfg.Organization, limitDoer{next: &http.Client{}, limit: limit})
}

// newClient is a go-openai client for an OpenAI-compatible endpoint (Azure
// when azureVersion is set, with the model being the deployment's name)
// whose requests go through doer, recorded for retries and errors.
func newClient(key, baseURL, azureVersion, org string, doer goopenai.HTTPDoer) *goopenai.Client {
	var cc goopenai.ClientConfig
	if azureVersion != "" {
		cc = goopenai.DefaultAzureConfig(key, baseURL)
		cc.APIVersion = azureVersion
		// Model is the deployment's name already: use it as it is, not
		// go-openai's mapping from model names.
		cc.AzureModelMapperFunc = func(deployment string) string { return deployment }
	} else {
		cc = goopenai.DefaultConfig(key)
		cc.BaseURL = baseURL
	}
	cc.OrgID = org
	cc.HTTPClient = recordingDoer{next: doer}
	return goopenai.NewClientWithConfig(cc)
}

// errTooLong is what reading a response body past its limit returns.
var errTooLong = errors.New("response body too long")

// limitDoer makes the response bodies of next fail with errTooLong after
// limit bytes.
type limitDoer struct {
	next  goopenai.HTTPDoer
	limit int64
}

func (d limitDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.next.Do(req)
	if resp != nil {
		resp.Body = &limitedBody{ReadCloser: resp.Body, left: d.limit}
	}
	return resp, err
}

// limitedBody is a response body that fails once more than left bytes
// have been read.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errTooLong
	}
	// Read one byte more than allowed, to tell a body of exactly the limit
	// from a longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, errTooLong
	}
	return n, err
}

// Model returns the configured model: for Azure, the deployment's name.
func (c *Chat) Model() string { return c.cfg.Model }

// Complete asks the model for one reply to the system and user messages,
// at temperature 0, and returns its text.
//
// It makes one request and never retries. Errors: a 429 wraps
// models.ErrRateLimited and says the Retry-After the endpoint gave; any
// other error status, a refused or dropped connection wraps
// models.ErrUnavailable; no reply within ChatConfig.Timeout wraps
// context.DeadlineExceeded, and the end of ctx wraps ctx.Err(); a reply
// that does not parse, has no choices, is empty, was cut short (finish
// reason "length" or "content_filter") or is longer than MaxReplyBytes
// wraps models.ErrInvalid. Messages never hold the API key; errors.As
// reaches go-openai's *openai.APIError when there is one.
func (c *Chat) Complete(ctx context.Context, system, user string) (string, error) {
	start := time.Now()
	info := &responseInfo{retryAfter: -1}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, responseInfoKey{}, info), c.cfg.Timeout)
	defer cancel()
	resp, err := c.complete.CreateChatCompletion(actx, c.request(system, user))
	var text string
	if err != nil {
		err = c.failure(ctx, actx, err, info)
	} else {
		text, err = completionText(resp)
	}
	c.logCall("complete", start, info, text, err)
	if err != nil {
		return "", err
	}
	return text, nil
}

// Stream is Complete with the reply streamed (server-sent events): it
// calls fn with each piece of the reply's text as it arrives, in order,
// and returns the whole text. fn's pieces are unchecked: when Stream
// returns an error, what fn was given must be discarded.
//
// Its errors are Complete's, and also: a stream that ends before the
// model finished (no finish reason) wraps models.ErrInvalid, an error
// event in the stream wraps models.ErrUnavailable, and an error from fn
// ends the call and is returned wrapped.
func (c *Chat) Stream(ctx context.Context, system, user string, fn func(delta string) error) (string, error) {
	start := time.Now()
	info := &responseInfo{retryAfter: -1}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, responseInfoKey{}, info), c.cfg.Timeout)
	defer cancel()
	text, err := c.streamText(ctx, actx, c.request(system, user), info, fn)
	c.logCall("stream", start, info, text, err)
	if err != nil {
		return "", err
	}
	return text, nil
}

// streamText makes Stream's request in actx and reads its events.
func (c *Chat) streamText(ctx, actx context.Context, req goopenai.ChatCompletionRequest, info *responseInfo, fn func(string) error) (string, error) {
	s, err := c.stream.CreateChatCompletionStream(actx, req)
	if err != nil {
		return "", c.failure(ctx, actx, err, info)
	}
	defer s.Close()
	var b strings.Builder
	var finish goopenai.FinishReason
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", c.failure(ctx, actx, err, info)
		}
		// Azure opens with an event of no choices; only the first choice
		// is the reply.
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
			if ch.Delta.Content == "" {
				continue
			}
			if b.Len()+len(ch.Delta.Content) > MaxReplyBytes {
				return "", malformed(nil, "reply is longer than %d bytes", MaxReplyBytes)
			}
			b.WriteString(ch.Delta.Content)
			if err := fn(ch.Delta.Content); err != nil {
				return "", fmt.Errorf("openai: chat: stream: %w", err)
			}
		}
	}
	if finish == "" {
		return "", malformed(nil, "stream ended before the reply was finished")
	}
	return checkText(b.String(), finish)
}

// request is the chat request for a system and a user message.
func (c *Chat) request(system, user string) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: system},
			{Role: goopenai.ChatMessageRoleUser, Content: user},
		},
		Temperature: c.temperature,
	}
}

// completionText returns the text of a completion's first choice, checked.
func completionText(resp goopenai.ChatCompletionResponse) (string, error) {
	if len(resp.Choices) == 0 {
		return "", malformed(nil, "reply has no choices")
	}
	ch := resp.Choices[0]
	for _, other := range resp.Choices {
		if other.Index == 0 {
			ch = other
			break
		}
	}
	if len(ch.Message.Content) > MaxReplyBytes {
		return "", malformed(nil, "reply is longer than %d bytes", MaxReplyBytes)
	}
	return checkText(ch.Message.Content, ch.FinishReason)
}

// checkText returns text, a whole reply that ended for reason finish, or
// why it is not usable.
func checkText(text string, finish goopenai.FinishReason) (string, error) {
	switch {
	case finish == goopenai.FinishReasonLength:
		return "", malformed(nil, "reply was cut at the model's token limit")
	case finish == goopenai.FinishReasonContentFilter:
		return "", malformed(nil, "reply was withheld by the endpoint's content filter")
	case strings.TrimSpace(text) == "":
		return "", malformed(nil, "reply is empty")
	}
	return text, nil
}

// chatError is an error of a chat call. Its message never holds the API
// key; it unwraps to its kind (a models sentinel or a context error) and
// to the underlying error, if any.
type chatError struct {
	msg  string
	kind error
	err  error
}

func (e *chatError) Error() string { return e.msg }

func (e *chatError) Unwrap() []error {
	if e.err == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.err}
}

// malformed returns a models.ErrInvalid error for a reply that is not
// usable, wrapping err if it is not nil.
func malformed(err error, format string, args ...any) error {
	return &chatError{msg: "openai: chat: malformed reply: " + fmt.Sprintf(format, args...), kind: models.ErrInvalid, err: err}
}

// failure returns the error for err, returned by go-openai for a request
// made in actx, derived from ctx, whose response info is info.
func (c *Chat) failure(ctx, actx context.Context, err error, info *responseInfo) error {
	if cerr := ctx.Err(); cerr != nil {
		return &chatError{msg: "openai: chat: " + cerr.Error(), kind: cerr, err: err}
	}
	if actx.Err() != nil {
		return &chatError{msg: fmt.Sprintf("openai: chat: no reply within %s", c.cfg.Timeout), kind: context.DeadlineExceeded, err: err}
	}
	status, detail := info.status, ""
	var reqErr *goopenai.RequestError
	var apiErr *goopenai.APIError
	switch {
	case errors.As(err, &reqErr): // an error status without an OpenAI error body
		status = reqErr.HTTPStatusCode
		detail = strings.TrimSpace(string(reqErr.Body))
	case errors.As(err, &apiErr): // an error status, or an error event in a stream
		if apiErr.HTTPStatusCode != 0 {
			status = apiErr.HTTPStatusCode
		}
		detail = apiErr.Message
	}
	// Redact before cutting, so that no part of a cut key survives.
	detail = c.redact(detail)
	if len(detail) > maxDetail {
		detail = strings.ToValidUTF8(detail[:maxDetail], "") + "..."
	}
	if detail != "" {
		detail = ": " + detail
	}
	fail := func(kind error, format string, args ...any) error {
		return &chatError{msg: "openai: chat: " + c.redact(fmt.Sprintf(format, args...)), kind: kind, err: err}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case status == http.StatusTooManyRequests:
		wait := ""
		if info.retryAfter >= 0 {
			wait = fmt.Sprintf(", retry after %s", info.retryAfter)
		}
		return fail(models.ErrRateLimited, "endpoint is rate limiting (429)%s%s", wait, detail)
	case status == http.StatusUnauthorized:
		// OpenAI's message quotes part of the key; leave it out.
		return fail(models.ErrUnavailable, "endpoint rejected the API key (401)")
	case status == http.StatusNotFound:
		return fail(models.ErrUnavailable, "endpoint not found (404): check BaseURL %s and Model %q%s",
			redactURL(c.cfg.BaseURL), c.cfg.Model, detail)
	case status >= 300:
		return fail(models.ErrUnavailable, "endpoint returned status %d%s", status, detail)
	case apiErr != nil:
		return fail(models.ErrUnavailable, "endpoint sent an error in the stream%s", detail)
	case status == 0:
		return fail(models.ErrUnavailable, "request failed: %v", err)
	case errors.Is(err, errTooLong):
		return malformed(err, "reply is longer than %d bytes", MaxReplyBytes)
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, goopenai.ErrTooManyEmptyStreamMessages):
		return malformed(err, "%s", c.redact(err.Error()))
	default: // the connection failed while the reply was read
		return fail(models.ErrUnavailable, "reading the reply failed: %v", err)
	}
}

// logCall logs one call at Debug, without the key or the reply's text.
func (c *Chat) logCall(mode string, start time.Time, info *responseInfo, text string, err error) {
	attrs := []any{"mode", mode, "model", c.cfg.Model, "latency", time.Since(start), "status", info.status, "reply_bytes", len(text)}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	c.log.Debug("chat request", attrs...)
}

// redact removes the API key from s.
func (c *Chat) redact(s string) string {
	if c.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.APIKey, "[redacted]")
}
