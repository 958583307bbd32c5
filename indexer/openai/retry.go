package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// responseInfo is what one request's HTTP response said that go-openai does
// not pass on: its errors carry the status but not the headers.
type responseInfo struct {
	status     int
	retryAfter time.Duration // -1 when the response did not say
}

// responseInfoKey is the context key of a request's *responseInfo.
type responseInfoKey struct{}

// recordingDoer is go-openai's HTTP client. It records the status and
// Retry-After of each response in the *responseInfo its request's context
// carries, if any.
type recordingDoer struct {
	next goopenai.HTTPDoer
}

func (d recordingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.next.Do(req)
	if resp != nil {
		if info, ok := req.Context().Value(responseInfoKey{}).(*responseInfo); ok {
			info.status = resp.StatusCode
			info.retryAfter = retryAfter(resp.Header, time.Now())
		}
	}
	return resp, err
}

// retryAfter returns how long h asks a client to wait before retrying, from
// "retry-after-ms" (milliseconds, sent by OpenAI) or "Retry-After"
// (seconds or an HTTP date, RFC 9110), or -1 when it asks nothing
// readable. A date in the past means 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && ms < float64(24*time.Hour/time.Millisecond) {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s > float64(24*time.Hour/time.Second) {
			return -1
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// backoff returns a random wait before retry number retry (from 1): full
// jitter over [0, min(cap, base·2^(retry-1))].
func (e *Embedder) backoff(retry int) time.Duration {
	ceiling := e.backoffCap
	if shift := retry - 1; shift < 32 {
		ceiling = min(e.backoffBase<<shift, e.backoffCap)
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// failure is why one request did not return usable vectors.
type failure struct {
	status     int           // HTTP status, 0 when there was no response
	retry      bool          // whether another attempt may succeed
	retryAfter time.Duration // the endpoint's Retry-After, -1 when absent
	msg        string        // for people; may hold the key until redacted
	err        error         // go-openai's error, if any
}

// statusCode is f's status, 0 for no failure or no response.
func (f *failure) statusCode() int {
	if f == nil {
		return 0
	}
	return f.status
}

// maxDetail bounds how much of an endpoint's error message goes into ours.
const maxDetail = 300

// classify says what err, returned by go-openai for a request whose
// response info is info, means for Embed.
func (e *Embedder) classify(err error, info *responseInfo) *failure {
	f := &failure{status: info.status, retryAfter: info.retryAfter, err: err}
	var detail string
	var reqErr *goopenai.RequestError
	var apiErr *goopenai.APIError
	switch {
	case errors.As(err, &reqErr): // an error status without an OpenAI error body
		f.status = reqErr.HTTPStatusCode
		detail = strings.TrimSpace(string(reqErr.Body))
	case errors.As(err, &apiErr):
		f.status = apiErr.HTTPStatusCode
		detail = apiErr.Message
	}
	if f.status < 400 {
		// No error status: the request, or reading the response, failed.
		return e.classifyTransport(f, err)
	}
	// Redact before cutting, so that no part of a cut key survives.
	detail = e.redact(detail)
	if len(detail) > maxDetail {
		detail = strings.ToValidUTF8(detail[:maxDetail], "") + "..."
	}
	if detail != "" {
		detail = ": " + detail
	}
	switch s := f.status; {
	case s == http.StatusUnauthorized:
		// OpenAI's message quotes part of the key; leave it out.
		f.msg = "embeddings endpoint rejected the API key (401)"
	case s == http.StatusForbidden:
		f.msg = "embeddings endpoint refused access (403)" + detail
	case s == http.StatusNotFound:
		f.msg = fmt.Sprintf("embeddings endpoint not found (404): check BaseURL %s and Model %q%s",
			redactURL(e.cfg.BaseURL), e.cfg.Model, detail)
	case s == http.StatusBadRequest:
		f.msg = "embeddings endpoint rejected the request (400)" + detail
	case s == http.StatusTooManyRequests:
		f.msg = "embeddings endpoint is rate limiting (429)" + detail
		f.retry = true
	case s == http.StatusRequestTimeout || s >= 500:
		f.msg = fmt.Sprintf("embeddings endpoint failed (%d)%s", s, detail)
		f.retry = true
	default:
		f.msg = fmt.Sprintf("embeddings endpoint returned status %d%s", s, detail)
	}
	return f
}

// classifyTransport fills in f for err, a failure with no error status:
// timeouts and dropped connections may be retried, anything else (refused
// connections, unknown hosts, unreadable responses) not.
func (e *Embedder) classifyTransport(f *failure, err error) *failure {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		f.msg = fmt.Sprintf("embeddings request timed out after %s", e.cfg.Timeout)
		f.retry = true
	case errors.As(err, &netErr) && netErr.Timeout():
		f.msg = "embeddings request timed out: " + err.Error()
		f.retry = true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		f.msg = "embeddings endpoint dropped the connection: " + err.Error()
		f.retry = true
	default:
		f.msg = "embeddings request failed: " + err.Error()
	}
	return f
}
