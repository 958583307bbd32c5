// Command sift is Sift's one binary: it indexes articles and tickets and
// serves type-ahead, search and deflection over HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "index the demo corpus into a fresh data directory and serve it", runDemo},
		{"index", "upsert articles, tickets and query records from files into a data directory", runIndex},
		{"sync", "pull what changed in Zendesk, ServiceNow, Jira or Freshdesk since the last sync", runSync},
		{"serve", "serve the HTTP API over a data directory", runServe},
		{"load", "drive a running Sift on this machine with suggest, search, deflect and triage at a fixed rate for a while", runLoad},
		{"keys", "create, list and revoke API keys of a data directory", runKeys},
		{"bench", "benchmark indexing, type-ahead, embedding, deflection and triage on a seeded synthetic corpus; bench compare OLD NEW flags regressions", runBench},
		{"train", "train ticket classifiers (category, priority, group, department) on the indexed tickets", runTrain},
		{"migrate", "apply PostgreSQL schema migrations (serve and index also do at start)", runMigrate},
		{"export", "write stored articles, tickets and query records as JSON Lines, from either backend", runExport},
		{"eval", "measure retrieval (eval search), type-ahead (eval suggest), sentiment or classifiers on labelled files", runEval},
	}
}

// exitError carries a process exit code, for failures that are not usage
// errors (such as records skipped while indexing).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the process exit code: 0 on
// success, 2 for usage errors, 1 for anything else.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var exit *exitError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &exit):
			fmt.Fprintln(stderr, "sift "+c.name+": "+exit.msg)
			return exit.code
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintln(stderr, "sift "+c.name+": "+err.Error())
		return 1
	}
	fmt.Fprintf(stderr, "sift: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Sift: self-service and triage search for support portals.")
	fmt.Fprintln(w, "\nUsage: sift COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'sift COMMAND --help' for a command's flags. Every flag can also be set")
	fmt.Fprintln(w, "with an environment variable, SIFT_ and the flag name in capitals (SIFT_DATA).")
}
