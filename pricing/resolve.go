package pricing

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Find is calcPrice's lookup: the provider (by providerID, else by the
// API URL, else by the model's name) and its model. model is lowercased
// and trimmed as calcPrice does. A providerID that names no provider finds
// nothing, except "litellm", whose "provider/model" names are split.
func (c *Catalogue) Find(providerID, apiURL, model string) (*Provider, *Model) {
	model = strings.ToLower(strings.TrimSpace(model))
	if strings.EqualFold(providerID, "litellm") {
		if i := strings.IndexByte(model, '/'); i > 0 && i < len(model)-1 {
			if c.findProvider(model[:i], "", "") != nil {
				providerID, model = model[:i], model[i+1:]
			}
		}
	}
	p := c.findProvider(providerID, apiURL, model)
	if p == nil {
		return nil, nil
	}
	if m := c.findModel(p, model, true); m != nil {
		return p, m
	}
	if d := dashedDates(model); d != model {
		return p, c.findModel(p, d, true)
	}
	return p, nil
}

func (c *Catalogue) findProvider(providerID, apiURL, model string) *Provider {
	if providerID != "" {
		id := strings.ToLower(strings.TrimSpace(providerID))
		if p := c.byID[id]; p != nil {
			return p
		}
		for _, p := range c.Providers {
			if p.ProviderMatch != nil && p.ProviderMatch.Matches(id) {
				return p
			}
		}
		if id != "litellm" {
			return nil
		}
	}
	if apiURL != "" {
		for _, p := range c.Providers {
			if p.apiPattern != nil && p.apiPattern.MatchString(apiURL) {
				return p
			}
		}
		return nil
	}
	if model != "" {
		for _, p := range c.Providers {
			if p.ModelMatch != nil && p.ModelMatch.Matches(model) {
				return p
			}
		}
	}
	return nil
}

func (c *Catalogue) findModel(p *Provider, model string, fallback bool) *Model {
	for _, m := range p.Models {
		if m.Match.Matches(model) {
			return m
		}
	}
	if fallback {
		for _, id := range p.FallbackModelProviders {
			if f := c.byID[id]; f != nil {
				if m := c.findModel(f, model, false); m != nil {
					return m
				}
			}
		}
	}
	return nil
}

var compactDate = regexp.MustCompile(`-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])`)

// dashedDates writes compact dates in a model name with dashes
// ("-20250514" → "-2025-05-14") when they are real dates followed by '-',
// ':' or the end, as calcPrice retries names.
func dashedDates(s string) string {
	var b strings.Builder
	last := 0
	for _, g := range compactDate.FindAllStringSubmatchIndex(s, -1) {
		if end := g[1]; end < len(s) && s[end] != '-' && s[end] != ':' {
			continue
		}
		y, _ := strconv.Atoi(s[g[2]:g[3]])
		mo, _ := strconv.Atoi(s[g[4]:g[5]])
		d, _ := strconv.Atoi(s[g[6]:g[7]])
		if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
			continue
		}
		b.WriteString(s[last:g[0]])
		b.WriteString("-" + s[g[2]:g[3]] + "-" + s[g[4]:g[5]] + "-" + s[g[6]:g[7]])
		last = g[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// At picks the model's prices in force at t: the last period whose
// constraint holds (a start date on or before t, or a time of day, UTC,
// inside its window), else the first.
func (m *Model) At(t time.Time) *PriceSet {
	ps := m.Prices
	if len(ps) == 1 {
		return ps[0].Prices
	}
	t = t.UTC()
	sec := -1.0 // seconds after UTC midnight, to the millisecond, once needed
	for i := len(ps) - 1; i >= 0; i-- {
		c := ps[i].Constraint
		if c != nil && c.TimeOfDay && sec < 0 {
			sec = float64(t.Hour()*3600+t.Minute()*60+t.Second()) + float64(t.Nanosecond()/1e6)/1e3
		}
		switch {
		case c == nil:
			return ps[i].Prices
		case !c.TimeOfDay:
			if !t.Before(c.StartDate) {
				return ps[i].Prices
			}
		case c.EndTime < c.StartTime:
			if sec >= c.StartTime || sec < c.EndTime {
				return ps[i].Prices
			}
		default:
			if sec >= c.StartTime && sec < c.EndTime {
				return ps[i].Prices
			}
		}
	}
	return ps[0].Prices
}
