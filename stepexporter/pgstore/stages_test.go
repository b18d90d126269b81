package pgstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// TestEmptyTagsAreStoredAsAnEmptyList: Letta's Step has tags: List[str] and
// rejects NULL, so a row without tags holds [].
func TestEmptyTagsAreStoredAsAnEmptyList(t *testing.T) {
	dsn := testDSN(t)
	schema := freshSchema(t, dsn)
	s := openStore(t, testConfig(dsn, schema))
	ctx := context.Background()
	_, err := s.Upsert(ctx, []step.Step{{ID: "step-a"}})
	require.NoError(t, err)
	_, err = s.Upsert(ctx, []step.Step{{ID: "step-a", Model: "m"}})
	require.NoError(t, err)
	var tags string
	require.NoError(t, adminConn(t, dsn).QueryRow(ctx, "SELECT tags::text FROM "+quote(schema, "steps")).Scan(&tags))
	require.Equal(t, "[]", tags)
}

// TestTableOfAnEarlierVersionIsMigrated: our table without the stages
// column gets it under create_schema, its NULL tags become [], and staged
// patches merge into its rows.
func TestTableOfAnEarlierVersionIsMigrated(t *testing.T) {
	dsn := testDSN(t)
	schema := freshSchema(t, dsn)
	ctx := context.Background()
	s := openStore(t, testConfig(dsn, schema))
	require.NoError(t, s.Close(ctx))
	conn := adminConn(t, dsn)
	table := quote(schema, "steps")
	for _, q := range []string{`ALTER TABLE ` + table + ` DROP COLUMN stages`,
		`INSERT INTO ` + table + ` (id, provider_name, model) VALUES ('step-old', 'openai', 'auto')`} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err)
	}

	s = openStore(t, testConfig(dsn, schema))
	var tags string
	require.NoError(t, conn.QueryRow(ctx, "SELECT tags::text FROM "+table).Scan(&tags))
	require.Equal(t, "[]", tags)
	_, err := s.Upsert(ctx, []step.Step{storetest.AutoModePatches("step-old")[1]})
	require.NoError(t, err)
	got := get(t, s, "step-old")
	require.Equal(t, "anthropic", got.ProviderName, "a staged value beats an unstaged stored one")
	require.Equal(t, step.StageResolved, got.Stage("provider_name"))
}
