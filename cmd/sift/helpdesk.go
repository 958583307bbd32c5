package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/freshdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/jira"
	"github.com/siftdesk/sift/indexer/helpdesk/servicenow"
	"github.com/siftdesk/sift/indexer/helpdesk/zendesk"
)

// helpdeskKind is what Sift knows of one help desk: how to read its
// records, which of its APIs' streams sift sync pulls, and which
// environment variables hold its address and credentials.
type helpdeskKind struct {
	desk    func() helpdesk.Desk
	streams func() []helpdesk.Stream
	// auth returns what sets a request's credentials from the
	// environment, or an error naming the variables that are missing.
	auth func() (func(*http.Request), error)
	// hook receives the desk's webhooks, signed with secret.
	hook func(secret []byte) api.Hook
	// fingerprint lists fields only this desk's records have.
	fingerprint []string
}

// helpdesks are the help desks sift index --from and sift sync know, by
// name.
var helpdesks = map[string]helpdeskKind{
	"zendesk": {func() helpdesk.Desk { return zendesk.New() }, zendesk.Streams, func() (func(*http.Request), error) {
		// An API token: "{email}/token" and the token, as basic auth.
		env, err := environment("SIFT_ZENDESK_EMAIL", "SIFT_ZENDESK_TOKEN")
		return func(r *http.Request) { r.SetBasicAuth(env[0]+"/token", env[1]) }, err
	}, func(secret []byte) api.Hook { return &zendesk.Hook{Secret: secret} }, zendesk.Fingerprint},
	"servicenow": {func() helpdesk.Desk { return servicenow.New() }, servicenow.Streams, func() (func(*http.Request), error) {
		if token := os.Getenv("SIFT_SERVICENOW_TOKEN"); token != "" { // OAuth
			return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, nil
		}
		env, err := environment("SIFT_SERVICENOW_USER", "SIFT_SERVICENOW_PASSWORD")
		if err != nil {
			err = fmt.Errorf("%w (or set SIFT_SERVICENOW_TOKEN to an OAuth token)", err)
		}
		return func(r *http.Request) { r.SetBasicAuth(env[0], env[1]) }, err
	}, func(secret []byte) api.Hook { return &servicenow.Hook{SharedSecret: secret} }, servicenow.Fingerprint},
	"jira": {func() helpdesk.Desk { return jira.New() }, jira.Streams, func() (func(*http.Request), error) {
		env, err := environment("SIFT_JIRA_EMAIL", "SIFT_JIRA_TOKEN")
		return func(r *http.Request) { r.SetBasicAuth(env[0], env[1]) }, err
	}, func(secret []byte) api.Hook { return &jira.Hook{Secret: secret} }, jira.Fingerprint},
	"freshdesk": {func() helpdesk.Desk { return freshdesk.New() }, freshdesk.Streams, func() (func(*http.Request), error) {
		// The API key as the user name, any password.
		env, err := environment("SIFT_FRESHDESK_TOKEN")
		return func(r *http.Request) { r.SetBasicAuth(env[0], "X") }, err
	}, func(secret []byte) api.Hook { return &freshdesk.Hook{SharedSecret: secret} }, freshdesk.Fingerprint},
}

// environment returns the values of the environment variables names, or
// an error naming those that are unset or empty (never a value).
func environment(names ...string) ([]string, error) {
	values := make([]string, len(names))
	var missing []string
	for i, n := range names {
		if values[i] = os.Getenv(n); values[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return values, fmt.Errorf("set %s in the environment", strings.Join(missing, " and "))
	}
	return values, nil
}

// helpdeskHooks returns the webhook receivers of the desks whose secret
// is set in the environment, as SIFT_<DESK>_WEBHOOK_SECRET, for
// api.Config.Hooks.
func helpdeskHooks() map[string]api.Hook {
	hooks := map[string]api.Hook{}
	for name, k := range helpdesks {
		if secret := os.Getenv("SIFT_" + strings.ToUpper(name) + "_WEBHOOK_SECRET"); secret != "" {
			hooks[name] = k.hook([]byte(secret))
		}
	}
	return hooks
}

// helpdeskNames lists the help desks' names, for messages.
func helpdeskNames() string {
	return strings.Join(slices.Sorted(maps.Keys(helpdesks)), ", ")
}

// lookupHelpdesk returns the help desk name, or an error naming flag and
// the desks there are.
func lookupHelpdesk(flag, name string) (helpdeskKind, error) {
	k, ok := helpdesks[name]
	if !ok {
		return k, fmt.Errorf("%s: want one of %s, got %q", flag, helpdeskNames(), name)
	}
	return k, nil
}

// detectOrder is the order sift index --from auto tries the desks in:
// Jira last, since a Zendesk ticket has "fields" too.
var detectOrder = []string{"servicenow", "zendesk", "freshdesk", "jira"}

// helpdeskReader returns what reads the export files of the help desk
// name for the indexer; "auto" tells each file's desk from its fields
// (helpdesk.Detect). One importer per desk reads every file of that desk,
// so side-loaded records (sections, groups) of one file serve the files
// after it.
func helpdeskReader(name string) (func(context.Context, string, func(indexer.Record) error) error, error) {
	if name != "auto" {
		if _, err := lookupHelpdesk("--from", name); err != nil {
			return nil, fmt.Errorf("%w (or auto)", err)
		}
	}
	desks := map[string]helpdesk.Desk{}
	fingerprints := map[string][]string{}
	var lists []string
	for n, k := range helpdesks {
		fingerprints[n] = k.fingerprint
		lists = append(lists, k.desk().Lists()...)
	}
	return func(ctx context.Context, path string, fn func(indexer.Record) error) error {
		desk := name
		if desk == "auto" {
			var err error
			if desk, err = helpdesk.Detect(ctx, path, detectOrder, fingerprints, lists); err != nil {
				return err
			}
		}
		d, ok := desks[desk]
		if !ok {
			d = helpdesks[desk].desk()
			desks[desk] = d
		}
		return helpdesk.Read(ctx, d, path, func(r helpdesk.Record) error { return fn(indexer.Record(r)) })
	}, nil
}
