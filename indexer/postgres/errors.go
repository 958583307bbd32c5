package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// classify turns errors that mean "the database is away" (refused or lost
// connections, a server shutting down or starting up) into errors matching
// models.ErrUnavailable, keeping the cause for the log. Others pass as they
// are. A nil error stays nil.
func classify(err error) error {
	if err == nil || !isUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %v", unavailable, err)
}

func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exceptions; 57P01-57P03: admin or crash
		// shutdown, cannot connect now (starting up or recovering).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, pgx.ErrTxClosed), pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	// A pool that cannot connect within a request's deadline.
	return errors.Is(err, context.DeadlineExceeded)
}
