package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// errUsage reports a command line the flag package already explained.
var errUsage = errors.New("usage error")

// flagSet is a subcommand's flags, each also settable from a SIFT_*
// environment variable unless made command-line only.
type flagSet struct {
	*flag.FlagSet
	logLevel  string
	logFormat string
	noEnv     map[string]bool // flags their environment variables do not set
}

// newFlagSet returns the flags of a subcommand, with the logging flags
// every subcommand shares.
func newFlagSet(name, args, summary string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(stderr)
	fs.StringVar(&fs.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&fs.logFormat, "log-format", "text", "log format: text or json")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sift %s [flags] %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			env := ""
			if !fs.noEnv[f.Name] {
				env = fmt.Sprintf(" [$%s]", envName(f.Name))
			}
			fmt.Fprintf(stderr, "  --%s\n      %s%s%s\n", f.Name, f.Usage, def, env)
		})
	}
	return fs
}

// commandLineOnly makes the named flags ignore their environment
// variables: for a flag that must be asked for each time, where a
// variable set for another command would do harm.
func (fs *flagSet) commandLineOnly(names ...string) {
	if fs.noEnv == nil {
		fs.noEnv = map[string]bool{}
	}
	for _, name := range names {
		fs.noEnv[name] = true
	}
}

// envName is the environment variable for a flag: SIFT_ and the name in
// capitals with dashes as underscores.
func envName(flagName string) string {
	return "SIFT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then sets every flag not given on the command line
// from its environment variable, if set. Flags win over the environment.
func (fs *flagSet) parse(args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := os.LookupEnv(envName(f.Name))
		if given[f.Name] || fs.noEnv[f.Name] || !ok || err != nil {
			return
		}
		if setErr := f.Value.Set(v); setErr != nil {
			err = fmt.Errorf("$%s=%q: %v", envName(f.Name), v, setErr)
		}
	})
	return err
}

// logger builds the structured logger the logging flags describe.
func (fs *flagSet) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(fs.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch fs.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", fs.logFormat)
}
