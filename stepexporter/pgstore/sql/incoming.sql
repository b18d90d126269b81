-- One per connection: COPY fills it, the upsert reads it, and the commit
-- empties it.
CREATE TEMP TABLE IF NOT EXISTS {{.Incoming}} (
{{- range $i, $c := .Columns}}{{if $i}},{{end}}
  {{$c.Name}} {{$c.Type}}
{{- end}}
) ON COMMIT DELETE ROWS;
