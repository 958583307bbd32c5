package main

import (
	"fmt"

	"golang.org/x/text/currency"

	"github.com/siftdesk/sift/engine/analytics"
)

// costFlags are the flags that price deflection: --agent-cost,
// --self-service-cost and --currency.
type costFlags struct {
	agent, selfService float64
	currency           string
}

func (c *costFlags) register(fs *flagSet) {
	fs.Float64Var(&c.agent, "agent-cost", analytics.DefaultAgentCost, "cost of a ticket handled by an agent, in --currency: each deflected session saves it less --self-service-cost")
	fs.Float64Var(&c.selfService, "self-service-cost", analytics.DefaultSelfServiceCost, "cost of an answer found by self-service, in --currency")
	fs.StringVar(&c.currency, "currency", analytics.DefaultCurrency, "ISO 4217 code of the costs, shown with every cost saved (metrics and dashboard)")
}

// config checks the flags and returns the metrics' settings, with the
// currency in its canonical (upper-case) form. Its errors name the flag.
func (c *costFlags) config() (analytics.Config, error) {
	switch {
	case !(c.agent > 0):
		return analytics.Config{}, fmt.Errorf("--agent-cost: must be more than 0, got %g", c.agent)
	case !(c.selfService > 0):
		return analytics.Config{}, fmt.Errorf("--self-service-cost: must be more than 0, got %g", c.selfService)
	case c.selfService > c.agent:
		return analytics.Config{}, fmt.Errorf("--self-service-cost: must not be more than --agent-cost (%g), got %g", c.agent, c.selfService)
	}
	unit, err := currency.ParseISO(c.currency)
	if err != nil || unit.String() == "XXX" {
		return analytics.Config{}, fmt.Errorf("--currency: want an ISO 4217 code such as USD or EUR, got %q", c.currency)
	}
	return analytics.Config{AgentCost: c.agent, SelfServiceCost: c.selfService, Currency: unit.String()}, nil
}
