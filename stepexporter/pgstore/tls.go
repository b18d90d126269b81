package pgstore

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// poolConfig parses the DSN and applies the tls block. With a tls block the
// connection never falls back to plaintext (the DSN's sslmode=prefer would).
func poolConfig(ctx context.Context, cfg *Config) (*pgxpool.Config, error) {
	red := newRedactor(string(cfg.DSN), "")
	pc, err := pgxpool.ParseConfig(string(cfg.DSN))
	if err != nil {
		return nil, fmt.Errorf("postgres: dsn cannot be parsed: %s", red.redact(err.Error()))
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = "agentsteps"
	}
	if !cfg.tlsSet() {
		return pc, nil
	}
	if cfg.TLS.Insecure {
		pc.ConnConfig.TLSConfig = nil
		for _, fb := range pc.ConnConfig.Fallbacks {
			fb.TLSConfig = nil
		}
		return pc, nil
	}
	tlsCfg, err := cfg.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: tls: %w", err)
	}
	// Every host gets the tls block; the plaintext twins that sslmode=prefer
	// adds for each host are dropped.
	forHost := func(host string) *tls.Config {
		c := tlsCfg.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	pc.ConnConfig.TLSConfig = forHost(pc.ConnConfig.Host)
	seen := map[string]bool{fmt.Sprint(pc.ConnConfig.Host, ":", pc.ConnConfig.Port): true}
	kept := pc.ConnConfig.Fallbacks[:0]
	for _, fb := range pc.ConnConfig.Fallbacks {
		if key := fmt.Sprint(fb.Host, ":", fb.Port); !seen[key] {
			seen[key] = true
			fb.TLSConfig = forHost(fb.Host)
			kept = append(kept, fb)
		}
	}
	pc.ConnConfig.Fallbacks = kept
	return pc, nil
}
