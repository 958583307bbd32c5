package helpdesk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client gets pages of a help desk's API, waiting out its rate limits.
// It never writes its credentials anywhere: errors name the address (its
// query dropped) and the status.
type Client struct {
	// HTTP does the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// Auth sets each request's credentials.
	Auth func(*http.Request)
	// Retries is how many times a request answered 429 or 5xx, or not
	// answered, is tried again; 0 means 6.
	Retries int
	// MaxWait bounds one wait, however long Retry-After asks for; 0 means
	// 5 minutes.
	MaxWait time.Duration
	// Sleep waits for d or until ctx ends; nil means a timer. Tests
	// replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Waited, if set, is told of every wait and why.
	Waited func(d time.Duration, status int)
}

// MaxPageBytes bounds one response body.
const MaxPageBytes = 64 << 20

// Get returns the body and headers of a 2xx answer to GET address. On
// 429 and 503 it waits as Retry-After says (seconds or an HTTP date),
// else, and on other 5xx and network errors, 1 s, 2 s, 4 s... up to
// MaxWait, and gives up after Retries tries more. Other statuses are
// errors at once.
func (c *Client) Get(ctx context.Context, address string) ([]byte, http.Header, error) {
	retries := c.Retries
	if retries == 0 {
		retries = 6
	}
	maxWait := c.MaxWait
	if maxWait == 0 {
		maxWait = 5 * time.Minute
	}
	backoff := time.Second
	for try := 0; ; try++ {
		body, header, status, err := c.get(ctx, address)
		if err == nil && status/100 == 2 {
			return body, header, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		retry := err != nil || status == http.StatusTooManyRequests || status/100 == 5
		if err == nil {
			err = fmt.Errorf("GET %s: %s: %s", redact(address), http.StatusText(status)+" ("+strconv.Itoa(status)+")", snippet(body))
		}
		if !retry || try >= retries {
			return nil, nil, err
		}
		wait := backoff
		if d, ok := retryAfter(header, time.Now()); ok && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
			wait = d
		} else {
			backoff *= 2
		}
		wait = min(wait, maxWait)
		if c.Waited != nil {
			c.Waited(wait, status)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
	}
}

func (c *Client) get(ctx context.Context, address string) ([]byte, http.Header, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("GET %s: %w", redact(address), err)
	}
	req.Header.Set("Accept", "application/json")
	if c.Auth != nil {
		c.Auth(req)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// url.Error repeats the address with its query: say it without.
		return nil, nil, 0, fmt.Errorf("GET %s: %w", redact(address), unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPageBytes+1))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("GET %s: %w", redact(address), err)
	}
	if len(body) > MaxPageBytes {
		return nil, nil, 0, fmt.Errorf("GET %s: answer larger than %d bytes", redact(address), MaxPageBytes)
	}
	return body, resp.Header, resp.StatusCode, nil
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// redact returns address without its query and user information, for
// messages.
func redact(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return "(an address that does not parse)"
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}

// unwrapURL returns the error inside a *url.Error, which names the
// address with its query.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// snippet returns the start of a response body, for messages.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
