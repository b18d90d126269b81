// Package stepexporter writes the step records that the step processor puts
// on anchor spans (the step.* attributes) to one backend: SQLite, PostgreSQL,
// a JSON Lines file or an HTTP endpoint. Every write is an upsert that merges
// by step id, so redelivery and late patches never duplicate or regress a
// record.
package stepexporter
