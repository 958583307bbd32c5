package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/engine/outbound"
	"github.com/siftdesk/sift/models"
)

// What sift serve announces to outbound webhook subscriptions, and how
// often it looks.
const (
	outboundEvery     = time.Minute
	outboundGapSize   = 20 // searches and tickets of a topic in outboundGapPeriod
	outboundGapPeriod = 7 * 24 * time.Hour
	outboundSpikeAge  = 24 * time.Hour // spikes whose tickets were filed this recently
)

// watchOutbound publishes to n, until ctx ends, the known issues opened
// and resolved, the spikes of near-duplicate tickets (with vectors only:
// spikes need them) and the content gaps that grow past outboundGapSize.
func watchOutbound(ctx context.Context, eng *engine.Engine, n *outbound.Notifier, vectors bool, log *slog.Logger) {
	w := &outbound.Watcher{
		Incidents:    func() []models.Incident { return eng.Incidents("") },
		Gaps:         func(ctx context.Context) ([]outbound.Gap, error) { return recentGaps(ctx, eng) },
		GapThreshold: outboundGapSize,
		Publish:      n.Publish,
	}
	if vectors {
		w.Spikes = func(ctx context.Context) ([]outbound.Spike, error) { return recentSpikes(ctx, eng) }
	}
	w.Run(ctx, outboundEvery, func(err error) {
		log.Warn("looking for news for outbound webhooks failed; trying again in a minute", "err", err)
	})
}

// recentSpikes returns the spikes of both portals among the tickets of the
// last outboundSpikeAge.
func recentSpikes(ctx context.Context, eng *engine.Engine) ([]outbound.Spike, error) {
	admin := models.Principal{Role: models.RoleAdmin}
	var out []outbound.Spike
	for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
		spikes, err := eng.Spikes(ctx, admin, p, time.Now().Add(-outboundSpikeAge))
		if err != nil {
			return nil, err
		}
		for _, s := range spikes {
			out = append(out, outbound.Spike{Portal: p, Size: s.Size, FirstAt: s.FirstAt, Subject: s.Subject, Category: s.Category, Tickets: s.Tickets})
		}
	}
	return out, nil
}

// recentGaps returns the content gaps of the last outboundGapPeriod, by
// topic label; no ticket ids.
func recentGaps(ctx context.Context, eng *engine.Engine) ([]outbound.Gap, error) {
	r, err := eng.Gaps(ctx, analytics.Query{From: time.Now().Add(-outboundGapPeriod)}, false)
	if err != nil {
		return nil, err
	}
	out := make([]outbound.Gap, len(r.Topics))
	for i, t := range r.Topics {
		out[i] = outbound.Gap{Topic: t.Label, Size: t.Size}
	}
	return out, nil
}
