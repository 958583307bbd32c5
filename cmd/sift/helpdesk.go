package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/freshdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/jira"
	"github.com/siftdesk/sift/indexer/helpdesk/servicenow"
	"github.com/siftdesk/sift/indexer/helpdesk/zendesk"
)

// helpdesks are the help desks whose exports sift index --from reads, by
// name.
var helpdesks = map[string]func() helpdesk.Desk{
	"zendesk":    func() helpdesk.Desk { return zendesk.New() },
	"servicenow": func() helpdesk.Desk { return servicenow.New() },
	"jira":       func() helpdesk.Desk { return jira.New() },
	"freshdesk":  func() helpdesk.Desk { return freshdesk.New() },
}

// helpdeskNames lists the help desks' names, for messages.
func helpdeskNames() string {
	return strings.Join(slices.Sorted(maps.Keys(helpdesks)), ", ")
}

// helpdeskReader returns what reads the export files of the help desk
// name for the indexer. One importer reads every file, so side-loaded
// records (sections, groups) of one file serve the files after it.
func helpdeskReader(name string) (func(context.Context, string, func(indexer.Record) error) error, error) {
	newDesk, ok := helpdesks[name]
	if !ok {
		return nil, fmt.Errorf("--from: want one of %s, got %q", helpdeskNames(), name)
	}
	d := newDesk()
	return func(ctx context.Context, path string, fn func(indexer.Record) error) error {
		return helpdesk.Read(ctx, d, path, func(r helpdesk.Record) error { return fn(indexer.Record(r)) })
	}, nil
}
