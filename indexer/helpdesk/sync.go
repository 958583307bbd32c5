package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Stream is one list of changes that a help desk's incremental API
// returns in order, page by page: Zendesk's ticket export, a ServiceNow
// table, a Jira search. Its cursor is its own text, saved between runs.
type Stream interface {
	// Name names the stream among its desk's, in the saved cursors.
	Name() string
	// URL returns the address, under base, of the page after cursor; an
	// empty cursor means the first page of changes since since.
	URL(base, cursor string, since time.Time) (string, error)
	// Next reads a page and returns the cursor after it and whether more
	// pages follow now.
	Next(page []byte, header http.Header, cursor string, since time.Time) (next string, more bool, err error)
}

// Cursors keeps each stream's cursor in a JSON file, so that a sync
// resumes where the last one stopped. Each Save replaces the file
// atomically: a crash leaves the old cursors or the new, never a mix.
type Cursors struct {
	path string
	m    map[string]string
}

// OpenCursors reads the cursors saved at path; a missing file means none.
func OpenCursors(path string) (*Cursors, error) {
	c := &Cursors{path: path, m: map[string]string{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cursors: %w", err)
	}
	if err := json.Unmarshal(data, &c.m); err != nil {
		return nil, fmt.Errorf("read cursors %s: %w", path, err)
	}
	return c, nil
}

// Get returns the cursor of stream, or "".
func (c *Cursors) Get(stream string) string { return c.m[stream] }

// Save sets the cursor of stream and writes every cursor to disk, durably,
// before it returns.
func (c *Cursors) Save(stream, cursor string) error {
	c.m[stream] = cursor
	data, err := json.MarshalIndent(c.m, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save cursors: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".cursors-*")
	if err != nil {
		return fmt.Errorf("save cursors: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save cursors: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save cursors: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save cursors: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("save cursors: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself durable; some file systems refuse, harmlessly
		d.Close()
	}
	return nil
}

// Syncer pulls a help desk's changes through its streams and applies
// them. Each page's records are applied before the cursor after it is
// saved, so a sync stopped at any point (killed, say) resumes at the
// first page not wholly applied: no change is lost, and a change applied
// twice is the same upsert or delete again.
type Syncer struct {
	Desk    Desk
	Streams []Stream
	Client  *Client
	// Base is the desk's address, such as https://acme.zendesk.com.
	Base string
	// Since is where a stream without a saved cursor starts.
	Since   time.Time
	Cursors *Cursors
	// Apply writes a page's records (bad ones have Err set: skip them);
	// when it returns nil they must be durable.
	Apply func(ctx context.Context, recs []Record) error
	Log   *slog.Logger
}

// SyncStats counts what a sync did.
type SyncStats struct {
	Pages, Changes, Deletes, Skipped int
}

// Run pulls every stream until it has no more pages now, and returns what
// it did. It stops at the first error (the cursors saved so far stay).
func (s *Syncer) Run(ctx context.Context) (SyncStats, error) {
	var st SyncStats
	for _, stream := range s.Streams {
		cursor := s.Cursors.Get(stream.Name())
		for {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			address, err := stream.URL(s.Base, cursor, s.Since)
			if err != nil {
				return st, fmt.Errorf("%s: %w", stream.Name(), err)
			}
			body, header, err := s.Client.Get(ctx, address)
			if err != nil {
				return st, fmt.Errorf("%s: %w", stream.Name(), err)
			}
			next, more, err := stream.Next(body, header, cursor, s.Since)
			if err != nil {
				return st, fmt.Errorf("%s: page %s: %w", stream.Name(), redact(address), err)
			}
			var recs []Record
			err = Records(ctx, s.Desk, redact(address), body, func(r Record) error {
				recs = append(recs, r)
				switch {
				case r.Err != nil:
					st.Skipped++
					s.Log.Warn("skipped a record", "stream", stream.Name(), "where", r.Source, "err", r.Err)
				case r.Change.Delete:
					st.Deletes++
				default:
					st.Changes++
				}
				return nil
			})
			if err != nil {
				return st, err
			}
			if err := s.Apply(ctx, recs); err != nil {
				return st, fmt.Errorf("%s: apply: %w", stream.Name(), err)
			}
			if err := s.Cursors.Save(stream.Name(), next); err != nil {
				return st, err
			}
			st.Pages++
			cursor = next
			if !more {
				break
			}
		}
	}
	return st, nil
}

// Window is the cursor of a stream that lists the records updated at or
// after a time, oldest first, page by page (a Jira search, Freshdesk's
// updated_since, a ServiceNow table by sys_updated_on): the time the
// listing starts from, the position of the next page in it, and the
// latest update seen. Each page starts a new listing from its latest
// update, so a record that changes meanwhile, and moves to the end, never
// shifts an unseen one out of reach, as an offset would; the records of
// that last time are listed again (an upsert applied twice is the same
// upsert). Only a page whose records all have the listing's own time
// moves on by offset, or it would be listed forever.
type Window struct {
	Since  time.Time `json:"since"`
	Start  int       `json:"start"`
	Latest time.Time `json:"latest"`
}

// ParseWindow reads a cursor written by Window.Advance; an empty cursor
// is the first page from since.
func ParseWindow(cursor string, since time.Time) (Window, error) {
	if cursor == "" {
		return Window{Since: since, Latest: since}, nil
	}
	var w Window
	if err := json.Unmarshal([]byte(cursor), &w); err != nil {
		return w, fmt.Errorf("cursor %q: %w", cursor, err)
	}
	return w, nil
}

// Advance returns the cursor after a page of n records, the latest of
// them updated at latest, and more pages to come or not: the Window
// Next returns, written out.
func (w Window) Advance(n int, latest time.Time, more bool) string {
	b, _ := json.Marshal(w.Next(n, latest, more)) // times and an int always encode
	return string(b)
}

// Next returns the window after a page, as Advance says. When the listing
// is over, the next starts from the latest update seen.
func (w Window) Next(n int, latest time.Time, more bool) Window {
	if latest.After(w.Latest) {
		w.Latest = latest
	}
	switch {
	case !more || n == 0:
		w.Since, w.Start = w.Latest, 0
	case latest.After(w.Since):
		w.Since, w.Start = latest, 0
	default:
		w.Start += n
	}
	return w
}
