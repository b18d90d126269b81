// Package pricing prices one model call in USD from pydantic's genai-prices
// catalogue (MIT), embedded from an exactly pinned npm package by
// `make prices`, or from user rules.
//
// It implements the catalogue's own rules: model and provider match trees
// (equals, starts_with, ends_with, contains, regex, and, or), prices that
// depend on a start date or on the time of day (UTC), tiers keyed on the
// total input tokens including cache, fixed fees per request, and the unit
// registry's exclusive leaves (input_tokens contains cache_read_tokens and
// cache_write_tokens; output_tokens contains output_reasoning_tokens), so a
// cached token is billed once, at its own rate.
//
// The package depends on nothing of the collector: it takes token counts
// and names and gives USD. Its oracle is calcPrice of the same npm package
// (oracle_test.go).
package pricing
