package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// syncFlags are the flags of sift sync.
type syncFlags struct {
	*flagSet
	data     string
	url      string
	since    string
	embedder embedderFlags
	db       dbFlags
}

func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := &syncFlags{flagSet: newFlagSet("sync", "zendesk|servicenow|jira|freshdesk",
		"Pull what changed in a help desk since the last sync through its incremental API, and\n"+
			"upsert or delete it. The cursor is saved in the data directory after each page is\n"+
			"written, so a sync that is stopped resumes where it was. Rate limits (429) are waited\n"+
			"out as Retry-After says. The desk's address and credentials come from the environment:\n"+
			"SIFT_ZENDESK_URL, SIFT_ZENDESK_EMAIL, SIFT_ZENDESK_TOKEN; SIFT_SERVICENOW_URL,\n"+
			"SIFT_SERVICENOW_USER, SIFT_SERVICENOW_PASSWORD (or SIFT_SERVICENOW_TOKEN); SIFT_JIRA_URL,\n"+
			"SIFT_JIRA_EMAIL, SIFT_JIRA_TOKEN; SIFT_FRESHDESK_URL, SIFT_FRESHDESK_TOKEN.", stderr)}
	f.StringVar(&f.data, "data", "sift-data", "data directory")
	f.StringVar(&f.url, "url", "", "the help desk's address, such as https://acme.zendesk.com (default: $SIFT_<DESK>_URL)")
	f.StringVar(&f.since, "since", "", "where a first sync starts: an RFC 3339 time or a date (default: everything)")
	f.embedder.register(f.flagSet)
	f.db.register(f.flagSet)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		fmt.Fprintf(stderr, "sift sync: name one help desk: %s\n", helpdeskNames())
		f.Usage()
		return errUsage
	}
	name := f.Arg(0)
	k, err := lookupHelpdesk("sift sync", name)
	if err != nil {
		return err
	}
	base := f.url
	if base == "" {
		base = os.Getenv("SIFT_" + strings.ToUpper(name) + "_URL")
	}
	if base == "" {
		return fmt.Errorf("--url: set it or $SIFT_%s_URL to the help desk's address", strings.ToUpper(name))
	}
	auth, err := k.auth()
	if err != nil {
		return err
	}
	since := time.Unix(0, 0).UTC()
	if f.since != "" {
		if since, err = time.Parse(time.RFC3339, f.since); err != nil {
			if since, err = time.Parse(time.DateOnly, f.since); err != nil {
				return fmt.Errorf("--since: want an RFC 3339 time or a date such as 2024-01-31, got %q", f.since)
			}
		}
	}

	d, log, err := f.openDataDir(ctx, f.data, &f.db, indexer.DefaultBatchSize, false, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	emb, err := f.embedder.open(ctx, log)
	if err != nil {
		return err
	}
	if emb != nil {
		if err := d.useVectors(ctx, emb, log); err != nil {
			return err
		}
	}
	cursors, err := helpdesk.OpenCursors(filepath.Join(f.data, "sync", name+".json"))
	if err != nil {
		return err
	}
	log = log.With("component", "sync", "desk", name)
	s := &helpdesk.Syncer{
		Desk: k.desk(), Streams: k.streams(), Base: strings.TrimRight(base, "/"), Since: since, Cursors: cursors, Log: log,
		Client: &helpdesk.Client{
			Auth: auth,
			Waited: func(wait time.Duration, status int) {
				log.Info("waiting before trying again", "wait", wait, "status", status)
			},
		},
		Apply: func(ctx context.Context, recs []helpdesk.Record) error {
			var changes []models.Change
			for _, r := range recs {
				if r.Err == nil {
					changes = append(changes, r.Change)
				}
			}
			return d.indexer.Apply(ctx, indexer.Dedupe(changes))
		},
	}
	start := time.Now()
	st, err := s.Run(ctx)
	fmt.Fprintf(stdout, "synced %s in %s: %d pages, %d upserts, %d deletes, %d skipped\n",
		name, time.Since(start).Round(time.Millisecond), st.Pages, st.Changes, st.Deletes, st.Skipped)
	return err
}
