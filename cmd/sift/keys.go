package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

const keysUsage = "sift keys create --role ROLE [--portal P] [--name N] | list | revoke ID"

// keysHelp is what sift keys --help prints: each subcommand, and where
// its flags are listed.
const keysHelp = `Usage: ` + keysUsage + `

Manage the API keys of a data directory, or of PostgreSQL with --database-url. While sift serve
holds a data directory, use its /v1/keys endpoints with an admin key instead.

  create   make a key and print its secret, once: --role portal|agent|analyst|admin,
           --portal customer|itsm (portal keys; optional for agents), --name
  list     print every key: id, prefix, role, portal, name, created, revoked (never a secret)
  revoke   revoke the key with this id, at once

Common flags: --data DIR (default sift-data), --database-url URL. 'sift keys create --help'
lists every flag, the database's tuning ones included.
`

// runKeys manages the API keys of a data directory: create (printing the
// secret once), list, revoke. While sift serve holds the directory, use
// its /v1/keys endpoints with an admin key instead.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, keysHelp)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, args := args[0], args[1:]
	f := newFlagSet("keys "+sub, "", "Manage API keys of a data directory (stop sift serve first, or use /v1/keys).", stderr)
	var data, role, portal, name, origins string
	var db dbFlags
	f.StringVar(&data, "data", "sift-data", "data directory")
	db.register(f)
	switch sub {
	case "create":
		f.StringVar(&role, "role", "", "role: portal, agent, analyst or admin (required)")
		f.StringVar(&portal, "portal", "", "portal the key is bound to: customer or itsm (required for portal keys, optional for agents)")
		f.StringVar(&name, "name", "", "a name to tell the key by")
		f.StringVar(&origins, "origins", "", "portal keys: web origins whose pages may call Sift with the key's browser tokens, comma-separated (https://help.example.com)")
	case "list", "revoke":
	default:
		fmt.Fprintf(stderr, "sift keys: unknown subcommand %q\nUsage: %s\n", sub, keysUsage)
		return errUsage
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if sub == "revoke" && f.NArg() != 1 || sub != "revoke" && f.NArg() != 0 {
		fmt.Fprintln(stderr, "Usage: "+keysUsage)
		return errUsage
	}
	if _, err := os.Stat(data); db.url == "" && err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	d, _, err := f.openDataDir(ctx, data, &db, 0, false, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	store := d.store
	switch sub {
	case "create":
		r, err := models.ParseRole(role)
		if err != nil {
			return fmt.Errorf("--role: %w", err)
		}
		spec := models.APIKey{Role: r, Portal: models.Portal(portal), Name: name}
		if origins != "" {
			spec.Origins = strings.Split(origins, ",")
		}
		_, secret, err := createKey(ctx, store, spec)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintln(stderr, "Keep this key: it is shown only once.")
		return nil
	case "list":
		return listKeys(ctx, store, stdout)
	}
	k, err := store.RevokeKey(ctx, f.Arg(0), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s (%s) at %s\n", k.ID, k.Role, k.RevokedAt.Format(time.RFC3339))
	return nil
}

// createKey makes and stores a key, returning it and its secret.
func createKey(ctx context.Context, keys api.KeyStore, spec models.APIKey) (models.APIKey, string, error) {
	k, secret, err := api.NewKey(spec, time.Now())
	if err != nil {
		var appErr *models.Error
		if errors.As(err, &appErr) && appErr.Field != "" {
			return k, "", fmt.Errorf("--%s: %s", appErr.Field, appErr.Message)
		}
		return k, "", err
	}
	return k, secret, keys.CreateKey(ctx, k)
}

func listKeys(ctx context.Context, keys api.KeyStore, w io.Writer) error {
	all, err := keys.Keys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tROLE\tPORTAL\tNAME\tCREATED\tREVOKED")
	for _, k := range all {
		revoked := "-"
		if k.Revoked() {
			revoked = k.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Role, orDash(string(k.Portal)), orDash(printable(k.Name)), k.CreatedAt.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printable returns s as it is, or quoted with its control characters
// escaped when it has any: a name stored before names were checked must
// not forge a row of the listing.
func printable(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}
