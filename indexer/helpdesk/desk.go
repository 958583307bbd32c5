package helpdesk

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/siftdesk/sift/models"
)

// Desk maps one help desk's records to Sift's documents. Each desk
// package's Importer implements it; Read and Records drive it.
type Desk interface {
	// Lists names the record lists of the desk's pages ("articles",
	// "sections", "tickets", "users"...).
	Lists() []string
	// Guess names the list of a record that no page names, or returns ""
	// when it cannot tell.
	Guess(Object) string
	// Remember keeps a side-loaded record (a section, a user, a group) for
	// the records that name it, and reports whether the list is one of
	// those; it is called for every record before any is mapped.
	Remember(list string, obj Object) bool
	// Map turns a record of a document list into an upsert or a delete.
	// Errors name the field.
	Map(list string, obj Object) (models.Change, error)
}

// Read reads the export at path (see ReadExport) and calls fn with each
// of its documents in order. It returns an error only when the file
// cannot be read or fn fails; bad records reach fn with their Err.
func Read(ctx context.Context, d Desk, path string, fn func(Record) error) error {
	items, err := ReadExport(ctx, path, d.Lists(), d.Guess)
	if err != nil {
		return err
	}
	return emit(ctx, d, items, fn)
}

// Records maps the records of one API response body, read from source
// (a URL, for messages), as Read maps a file's.
func Records(ctx context.Context, d Desk, source string, body []byte, fn func(Record) error) error {
	return emit(ctx, d, splitValue(source, 1, body, d.Lists(), d.Guess), fn)
}

func emit(ctx context.Context, d Desk, items []Item, fn func(Record) error) error {
	docs := items[:0:0]
	for _, it := range items {
		if it.List == Bad || !d.Remember(it.List, it.Object) {
			docs = append(docs, it)
		}
	}
	for _, it := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rec Record
		switch it.List {
		case Bad:
			rec = BadItem(it)
		case "":
			rec = it.Record(models.Change{}, models.Invalid("", "cannot tell what kind of record this is (members %s)", memberNames(it.Object)))
		default:
			rec = it.Record(d.Map(it.List, it.Object))
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// memberNames lists up to eight of obj's member names, for messages.
func memberNames(obj Object) string {
	names := slices.Sorted(maps.Keys(obj))
	if len(names) > 8 {
		names = append(names[:8], "...")
	}
	return "[" + strings.Join(names, " ") + "]"
}

// Detect tells which help desk exported the file at path: the first
// desk, in the order of names, one of whose fingerprint members (fields
// only that desk's records have) a record of the file has. It reads the
// file as Read does; lists are the page lists of every desk.
func Detect(ctx context.Context, path string, names []string, fingerprints map[string][]string, lists []string) (string, error) {
	items, err := ReadExport(ctx, path, lists, func(Object) string { return "" })
	if err != nil {
		return "", err
	}
	for _, it := range items {
		for _, name := range names {
			if slices.ContainsFunc(fingerprints[name], it.Object.Has) {
				return name, nil
			}
		}
	}
	return "", fmt.Errorf("read %s: cannot tell which help desk exported it (no record has a field only one desk writes): name it with --from", path)
}
