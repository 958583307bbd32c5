package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/engine/outbound"
	"github.com/siftdesk/sift/models"
)

// serveFlags are the flags of sift serve.
type serveFlags struct {
	*flagSet
	data         string
	addr         string
	maxBodyBytes int64
	rateLimit    float64
	rateBurst    int
	tokenRate    float64
	tokenBurst   int
	embedder     embedderFlags
	chat         chatFlags
	db           dbFlags
	trainOnStart bool
	gc           gcFlag
	costs        costFlags
	// demoToken, if set, serves the sample portal pages (sift demo).
	demoToken func(context.Context, models.Portal) (string, error)
	// onEvents, if set, runs once the engine has its event log, before
	// serving, with the number of events the log holds (sift demo seeds it).
	onEvents func(ctx context.Context, eng *engine.Engine, stored int, log *slog.Logger) error
}

func newServeFlags(name string, stderr io.Writer, summary string) *serveFlags {
	f := &serveFlags{flagSet: newFlagSet(name, "", summary, stderr)}
	f.StringVar(&f.data, "data", "sift-data", "data directory")
	f.StringVar(&f.addr, "addr", ":8080", "address to listen on")
	f.Int64Var(&f.maxBodyBytes, "max-body-bytes", api.DefaultMaxBodyBytes, "largest request body accepted, in bytes")
	f.Float64Var(&f.rateLimit, "rate-limit", api.DefaultRateLimit, "requests a second each API key may make, sustained; 0 turns limits off")
	f.IntVar(&f.rateBurst, "rate-burst", api.DefaultRateBurst, "requests each API key may make at once, above its rate")
	f.Float64Var(&f.tokenRate, "token-rate-limit", api.DefaultTokenRateLimit, "requests a second each end user of a browser token may make, sustained")
	f.IntVar(&f.tokenBurst, "token-rate-burst", api.DefaultTokenRateBurst, "requests each end user of a browser token may make at once, above its rate")
	f.embedder.register(f.flagSet)
	f.chat.register(f.flagSet)
	f.db.register(f.flagSet)
	f.BoolVar(&f.trainOnStart, "train-on-start", false, "when no classifiers are saved, train them in the background at start (n-gram features only)")
	f.gc.register(f.flagSet)
	f.costs.register(f.flagSet)
	return f
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newServeFlags("serve", stderr, "Serve the HTTP API (/v1, /healthz, /metrics, /openapi.json) over a data directory.")
	if err := f.parse(args); err != nil {
		return err
	}
	return serve(ctx, f, stderr, nil)
}

// serve runs the API until ctx is cancelled, then shuts down gracefully.
// ready, if set, is called with the listening address once requests can be
// served. It is the whole of sift serve, shared with sift demo.
func serve(ctx context.Context, f *serveFlags, stderr io.Writer, ready func(addr string)) error {
	if err := f.gc.validate(); err != nil {
		return err
	}
	metricsCfg, err := f.costs.config()
	if err != nil {
		return err
	}
	gcPercent := f.gc.apply()
	d, log, err := f.openDataDir(ctx, f.data, &f.db, 0, true, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	eng, err := engine.New(ctx, engine.Config{}, d.store, d.textIndex(), d.writer, log)
	if err != nil {
		return err
	}
	events, feed, stored, closeEvents, err := d.openEvents(ctx, log)
	if err != nil {
		return err
	}
	defer closeEvents()
	if err := eng.UseEvents(ctx, events, feed, metricsCfg); err != nil {
		return err
	}
	defer eng.Close() // flushes the engine's own events before the log closes
	if f.onEvents != nil {
		if err := f.onEvents(ctx, eng, stored, log); err != nil {
			return err
		}
	}
	classifiers, err := d.classifiers(ctx, f.data, log)
	if err != nil {
		return err
	}
	eng.UseClassifiers(classifiers)
	if err := f.chat.use(eng, log); err != nil {
		return err
	}
	var background sync.WaitGroup
	defer background.Wait() // before the data directory closes
	background.Go(func() {
		// Over PostgreSQL the event log is counted now, while requests are
		// served (metrics answer 503 until it is); embedded, UseEvents
		// replayed it.
		if err := eng.CatchUpEvents(ctx); err != nil && ctx.Err() == nil {
			log.Warn("counting the event log failed; the change feed's catch-up retries every second", "err", err)
		}
		eng.WarmMetrics()
	})
	// Until the tickets are in memory, similar tickets come from the
	// full-text index (over PostgreSQL, the database's): complete, slower.
	eng.SetReadiness(engine.ComponentTicketSearch, engine.Loading)
	background.Go(func() {
		if err := eng.WarmTickets(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("loading ticket search failed; similar tickets come from the full-text index and topic gaps read every ticket", "err", err)
			}
			return
		}
		eng.SetReadiness(engine.ComponentTicketSearch, engine.Ready)
	})
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching() // runs before background.Wait
	background.Go(func() { d.watch(watchCtx, eng) })
	if len(classifiers) == 0 && f.trainOnStart {
		eng.SetReadiness(engine.ComponentClassifiers, engine.Preparing)
		background.Go(func() { trainOnStart(ctx, d, f.data, eng, log) })
	}
	emb, err := f.embedder.open(ctx, log)
	if err != nil {
		return err
	}
	if emb != nil {
		if err := d.useVectors(ctx, emb, log); err != nil {
			return err
		}
		eng.UseVectors(emb, d.vectors)
		// Documents indexed without vectors get them in the background;
		// until then they are found by full text only, and answers say so.
		eng.SetReadiness(engine.ComponentVectors, engine.Preparing)
		background.Go(func() {
			if err := d.syncVectors(ctx, false, log, nil); err != nil && ctx.Err() == nil {
				log.Error("embedding documents failed; they are found by full text only", "err", err)
				return
			}
			eng.SetReadiness(engine.ComponentVectors, engine.Ready)
			if err := eng.WarmPassageVectors(ctx, warmPassageArticles); err != nil && ctx.Err() == nil {
				log.Warn("embedding passages ahead of answers failed; they are embedded as answers need them", "err", err)
			}
		})
	}
	linkSecret, err := d.linkSecret(ctx)
	if err != nil {
		return err
	}
	apiCfg, err := f.apiConfig(d, linkSecret)
	if err != nil {
		return err
	}
	// Help desks' webhooks in (each desk whose SIFT_<DESK>_WEBHOOK_SECRET
	// is set), Sift's own events out to subscriptions.
	apiCfg.Hooks = helpdeskHooks()
	apiCfg.Outbound = outbound.New(outbound.Config{}, log)
	background.Go(func() { watchOutbound(watchCtx, eng, apiCfg.Outbound, emb != nil, log) })
	defer func() { // the watcher stops, then deliveries under way finish or give up
		stopWatching()
		background.Wait()
		apiCfg.Outbound.Wait()
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := &http.Server{
		Handler:           api.New(apiCfg, eng, reg, log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "data", f.data, "gc_percent", gcPercent)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// warmPassageArticles is how many articles' passages serve embeds ahead
// of the answers that will need them, once the documents are embedded.
const warmPassageArticles = 5000

// apiConfig is the HTTP layer's configuration from the flags, with the
// data directory's store keeping keys and links.
func (f *serveFlags) apiConfig(d *dataDir, linkSecret []byte) (api.Config, error) {
	cfg := api.Config{MaxBodyBytes: f.maxBodyBytes, RateLimit: f.rateLimit, RateBurst: f.rateBurst,
		TokenRateLimit: f.tokenRate, TokenRateBurst: f.tokenBurst, DemoToken: f.demoToken,
		Keys: d.store, Links: d.store, LinkSecret: linkSecret, Checks: d.healthChecks()}
	switch {
	case f.rateLimit < 0:
		return cfg, fmt.Errorf("--rate-limit: must be 0 (no limit) or more, got %g", f.rateLimit)
	case f.rateLimit == 0:
		cfg.RateLimit = -1
	case f.rateBurst < 1:
		return cfg, fmt.Errorf("--rate-burst: must be at least 1, got %d", f.rateBurst)
	case f.tokenRate <= 0:
		return cfg, fmt.Errorf("--token-rate-limit: must be more than 0 (--rate-limit 0 turns every limit off), got %g", f.tokenRate)
	case f.tokenBurst < 1:
		return cfg, fmt.Errorf("--token-rate-burst: must be at least 1, got %d", f.tokenBurst)
	}
	return cfg, nil
}

// trainOnStart trains the classifiers from the indexed tickets and hands
// them to the engine; triage answers without classification until then.
func trainOnStart(ctx context.Context, d *dataDir, data string, eng *engine.Engine, log *slog.Logger) {
	tickets, _, err := loadTickets(ctx, d, false)
	if err == nil {
		var results []trainedModel
		if results, err = trainModels(ctx, data, tickets, nil, trainedFields, classify.Options{Seed: 1}, log); err == nil {
			byField := map[string]*classify.Model{}
			for _, r := range results {
				byField[r.field] = r.model
			}
			if err := d.storeClassifiers(ctx, results); err != nil {
				log.Warn("classifiers trained at start but not stored in the database; other replicas train their own", "err", err)
			}
			eng.UseClassifiers(byField)
			log.Info("classifiers trained at start", "fields", len(byField), "tickets", len(tickets))
			return
		}
	}
	eng.SetReadiness(engine.ComponentClassifiers, engine.Absent)
	if ctx.Err() == nil {
		log.Warn("training at start failed; triage runs without classification", "err", err)
	}
}
