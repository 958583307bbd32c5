package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// Problem is an RFC 9457 problem details body. Code and Field are
// extension members: a machine-readable error code and the request field
// at fault.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
}

// statusByCode maps application error codes to HTTP statuses.
var statusByCode = map[string]int{
	models.CodeInvalid:      http.StatusBadRequest,
	models.CodeNotFound:     http.StatusNotFound,
	models.CodeConflict:     http.StatusConflict,
	models.CodeForbidden:    http.StatusForbidden,
	models.CodeUnauthorized: http.StatusUnauthorized,
	models.CodeRateLimited:  http.StatusTooManyRequests,
	models.CodeGone:         http.StatusGone,
	models.CodeUnavailable:  http.StatusServiceUnavailable,
	models.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	models.CodeInternal:     http.StatusInternalServerError,
}

// problemFor turns an error into a problem. Application errors keep their
// message; anything else is reported as an internal error, with details
// left to the log.
func problemFor(err error) Problem {
	code := models.ErrorCode(err)
	p := Problem{Type: "about:blank", Code: code, Status: statusByCode[code]}
	var appErr *models.Error
	if code != models.CodeInternal && errors.As(err, &appErr) {
		p.Detail, p.Field = appErr.Error(), appErr.Field
	} else {
		p.Status, p.Code = http.StatusInternalServerError, models.CodeInternal
		p.Detail = "internal error; the server log has the details"
	}
	p.Title = http.StatusText(p.Status)
	return p
}

// writeProblem aborts the request with err as problem+json, logging
// internal errors in full.
func writeProblem(c *gin.Context, log *slog.Logger, err error) {
	p := problemFor(err)
	if p.Status >= 500 {
		log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
