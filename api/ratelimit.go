package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/siftdesk/sift/models"
)

// Rate limit defaults: per key, and per end user of a browser token,
// requests per second and burst.
const (
	DefaultRateLimit      = 100
	DefaultRateBurst      = 200
	DefaultTokenRateLimit = 20
	DefaultTokenRateBurst = 40
)

// maxBuckets bounds the buckets kept; past it they start over full.
const maxBuckets = 100_000

// keyLimiters holds one token bucket per API key (and per client address
// for requests without a key).
type keyLimiters struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	byKey map[string]*rate.Limiter
}

func newKeyLimiters(perSecond float64, burst int) *keyLimiters {
	return &keyLimiters{limit: rate.Limit(perSecond), burst: burst, byKey: map[string]*rate.Limiter{}}
}

// allow takes a token from the key's bucket. When there is none it
// returns false and how long until there is one.
func (l *keyLimiters) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	lim := l.byKey[key]
	if lim == nil {
		if len(l.byKey) >= maxBuckets {
			clear(l.byKey)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.byKey[key] = lim
	}
	l.mu.Unlock()
	if lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// rateLimit refuses a request over its key's rate (a browser token's:
// its end user's) with 429 and a Retry-After in whole seconds. Keys are
// authenticated first, so only stored keys get a bucket.
func (s *server) rateLimit(c *gin.Context) {
	if bucket, ok := c.Get(tokenKey); ok {
		s.limitBy(c, s.tokens, bucket.(string))
		return
	}
	s.limitBy(c, s.limiters, "key:"+principal(c).KeyID)
}

// rateLimitByAddress limits requests that carry no key (private links) by
// the client's address, with the same rate as a key. The address is the
// connection's, not X-Forwarded-For, which a client could forge.
func (s *server) rateLimitByAddress(c *gin.Context) {
	s.limitBy(c, s.limiters, "addr:"+c.RemoteIP())
}

func (s *server) limitBy(c *gin.Context, limiters *keyLimiters, bucket string) {
	if limiters == nil {
		c.Next()
		return
	}
	ok, wait := limiters.allow(bucket, time.Now())
	if !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		c.Header("Retry-After", strconv.Itoa(secs))
		writeProblem(c, s.log, &models.Error{Code: models.CodeRateLimited,
			Message: "over the rate limit of " + strconv.FormatFloat(float64(limiters.limit), 'g', -1, 64) +
				" requests a second; retry after " + strconv.Itoa(secs) + " s"})
		return
	}
	c.Next()
}
