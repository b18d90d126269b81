package pricing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The snapshot written by `make prices` (pricing/oracle/dump.mjs) from the
// npm package @pydantic/genai-prices at the version in data/VERSION.
var (
	//go:embed data/catalogue.json
	embeddedCatalogue []byte
	//go:embed data/units.json
	embeddedUnits []byte
	//go:embed data/VERSION
	embeddedVersion string
)

// Catalogue is a parsed genai-prices v2 data file: its providers in file
// order (the order matching tries them in).
type Catalogue struct {
	Version   string // the package version, as in cost_source catalogue@<Version>
	Providers []*Provider
	byID      map[string]*Provider
}

// Provider is one provider of the catalogue.
type Provider struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	APIPattern             string   `json:"api_pattern"`
	ModelMatch             *Match   `json:"model_match"`
	ProviderMatch          *Match   `json:"provider_match"`
	FallbackModelProviders []string `json:"fallback_model_providers"`
	Models                 []*Model `json:"models"`
	apiPattern             matcher
}

// Model is one model of a provider. ContextWindow is in tokens (0 when the
// catalogue does not say).
type Model struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Match         *Match  `json:"match"`
	ContextWindow int64   `json:"context_window"`
	Prices        Periods `json:"prices"`
}

// Periods are a model's prices: one unconditional set, or a list whose
// later entries apply under a constraint (a start date, or a time of day).
type Periods []Period

// Period is one price set and the constraint under which it applies. A nil
// Constraint always applies.
type Period struct {
	Constraint *Constraint
	Prices     *PriceSet
}

// Constraint limits a Period: from StartDate (UTC midnight) on, or between
// StartTime and EndTime, seconds after UTC midnight, wrapping past midnight
// when EndTime < StartTime.
type Constraint struct {
	StartDate          time.Time
	TimeOfDay          bool
	StartTime, EndTime float64
}

// Price is a rate in USD per unit of its key (per million tokens for the
// *_mtok keys), Base unless the total input tokens exceed a tier's Start.
type Price struct {
	Base  float64
	Tiers []Tier // ascending Start
}

// Tier replaces the base rate when the total input tokens exceed Start.
type Tier struct {
	Start int64   `json:"start"`
	Price float64 `json:"price"`
}

// LoadCatalogue parses a genai-prices v2 data file (a JSON list of
// providers). Errors name the provider and model.
func LoadCatalogue(data []byte, version string) (*Catalogue, error) {
	var ps []*Provider
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ps); err != nil {
		return nil, fmt.Errorf("genai-prices catalogue: %w", err)
	}
	c := &Catalogue{Version: version, Providers: ps, byID: map[string]*Provider{}}
	for _, p := range ps {
		if p == nil || p.ID == "" {
			return nil, errors.New("genai-prices catalogue: a provider has no id")
		}
		if p.APIPattern != "" {
			m, err := compileRegex("^(?:" + p.APIPattern + ")")
			if err != nil {
				return nil, fmt.Errorf("genai-prices catalogue: provider %q api_pattern: %w", p.ID, err)
			}
			p.apiPattern = m
		}
		for _, m := range p.Models {
			if m == nil || m.Match == nil {
				return nil, fmt.Errorf("genai-prices catalogue: provider %q has a model without match", p.ID)
			}
			if len(m.Prices) == 0 {
				return nil, fmt.Errorf("genai-prices catalogue: provider %q model %q has no prices", p.ID, m.ID)
			}
		}
		c.byID[p.ID] = p
	}
	return c, nil
}

// Embedded is the catalogue snapshot built into the binary.
func Embedded() *Catalogue { return embedded() }

var embedded = sync1(func() *Catalogue {
	c, err := LoadCatalogue(embeddedCatalogue, strings.TrimSpace(embeddedVersion))
	if err != nil {
		panic("pricing: embedded catalogue: " + err.Error()) // a broken `make prices`, caught by every test
	}
	return c
})

// UnmarshalJSON reads either one price set or a list of constrained ones.
func (ps *Periods) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []struct {
			Constraint map[string]string `json:"constraint"`
			Prices     *PriceSet         `json:"prices"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		if len(raw) == 0 {
			return errors.New("prices: empty list")
		}
		out := make(Periods, 0, len(raw))
		for _, r := range raw {
			if r.Prices == nil {
				return errors.New("prices: a list entry has no prices")
			}
			c, err := parseConstraint(r.Constraint)
			if err != nil {
				return err
			}
			out = append(out, Period{Constraint: c, Prices: r.Prices})
		}
		*ps = out
		return nil
	}
	var one PriceSet
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*ps = Periods{{Prices: &one}}
	return nil
}

func parseConstraint(m map[string]string) (*Constraint, error) {
	if m == nil {
		return nil, nil
	}
	if d, ok := m["start_date"]; ok {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return nil, fmt.Errorf("prices: constraint start_date %q: want YYYY-MM-DD", d)
		}
		return &Constraint{StartDate: t}, nil
	}
	st, err1 := parseTimeOfDay(m["start_time"])
	et, err2 := parseTimeOfDay(m["end_time"])
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("prices: constraint: %w", err)
	}
	return &Constraint{TimeOfDay: true, StartTime: st, EndTime: et}, nil
}

// UnmarshalJSON reads a rate: a number, or {base, tiers:[{start, price}]}.
func (p *Price) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		if f < 0 {
			return fmt.Errorf("negative price %v", f)
		}
		p.Base = f
		return nil
	}
	var t struct {
		Base  *float64 `json:"base"`
		Tiers []Tier   `json:"tiers"`
	}
	if err := json.Unmarshal(b, &t); err != nil || t.Base == nil || *t.Base < 0 {
		return fmt.Errorf("price %s: want a non-negative number or {base, tiers}", b)
	}
	for _, tr := range t.Tiers {
		if tr.Start < 0 || tr.Price < 0 {
			return fmt.Errorf("price %s: tiers need non-negative start and price", b)
		}
	}
	p.Base, p.Tiers = *t.Base, t.Tiers
	sortTiers(p.Tiers)
	return nil
}
