package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/siftdesk/sift/engine/analytics"
)

// TestCostFlags checks that the cost flags reach the metrics' settings and
// that nonsense is refused with an error naming the flag, by sift serve
// and sift demo alike.
func TestCostFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   costFlags
		want    analytics.Config
		errFlag string
	}{
		{"defaults", costFlags{13.5, 1.84, "USD"}, analytics.Config{AgentCost: 13.5, SelfServiceCost: 1.84, Currency: "USD"}, ""},
		{"euros, lower-case", costFlags{20, 4, "eur"}, analytics.Config{AgentCost: 20, SelfServiceCost: 4, Currency: "EUR"}, ""},
		{"equal costs", costFlags{5, 5, "GBP"}, analytics.Config{AgentCost: 5, SelfServiceCost: 5, Currency: "GBP"}, ""},
		{"no agent cost", costFlags{0, 1, "USD"}, analytics.Config{}, "--agent-cost"},
		{"negative self-service cost", costFlags{10, -1, "USD"}, analytics.Config{}, "--self-service-cost"},
		{"self-service dearer than an agent", costFlags{2, 3, "USD"}, analytics.Config{}, "--self-service-cost"},
		{"unknown currency", costFlags{10, 1, "ZZZ"}, analytics.Config{}, "--currency"},
		{"no currency", costFlags{10, 1, "XXX"}, analytics.Config{}, "--currency"},
		{"a symbol", costFlags{10, 1, "$"}, analytics.Config{}, "--currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.flags.config()
			switch {
			case tc.errFlag == "" && err != nil:
				t.Fatalf("config() = %v", err)
			case tc.errFlag != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.errFlag+":")):
				t.Fatalf("config() = %v, want an error naming %s", err, tc.errFlag)
			case got != tc.want:
				t.Errorf("config() = %+v, want %+v", got, tc.want)
			}
		})
	}
	for _, cmd := range []string{"serve", "demo"} {
		var stderr bytes.Buffer
		code := run(context.Background(), []string{cmd, "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--currency", "dollars"}, &bytes.Buffer{}, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), "--currency") {
			t.Errorf("sift %s --currency dollars: exit %d, stderr %q; want a failure naming --currency", cmd, code, stderr.String())
		}
	}
}
