package stepmetricsconnector

import "github.com/agentsteps/collector/step"

// The one table of what the connector emits. The GenAI metrics are still
// moving (semantic-conventions-genai "Unreleased → Breaking": counters
// gen_ai.client.inference.usage.* replace gen_ai.client.token.usage), so
// every name, unit, attribute key and bucket list lives here and nowhere
// else; README.md lists the same.

// Released GenAI metrics: semantic-conventions-genai
// model/gen-ai/metrics.yaml at 004902b (semconv v1.41).
const (
	metricTokenUsage        = "gen_ai.client.token.usage"        // Histogram (int), {token}
	metricOperationDuration = "gen_ai.client.operation.duration" // Histogram (double), s
	unitToken               = "{token}"
	unitSeconds             = "s"
)

// Our own metrics, for what semconv lacks, under the agentsteps namespace.
const (
	namespace        = "agentsteps"
	metricStepCount  = namespace + ".step.count"  // Sum (int), {step}
	metricStepTokens = namespace + ".step.tokens" // Sum (int), {token}
	metricStepCost   = namespace + ".step.cost"   // Sum (double), USD
	unitStep         = "{step}"
	unitUSD          = "USD" // a currency code, no braces: it is a unit
)

// Attribute keys. The gen_ai.* and error.type keys are the conventions';
// the step.* keys are our record's own fields under the step.* contract.
const (
	attrOperationName = "gen_ai.operation.name"
	attrProviderName  = "gen_ai.provider.name"
	attrRequestModel  = "gen_ai.request.model"
	attrResponseModel = "gen_ai.response.model"
	attrTokenType     = "gen_ai.token.type"
	attrErrorType     = "error.type"
	attrAgentID       = "gen_ai.agent.id"
	attrServiceName   = "service.name"
	attrStatus        = "step.status"
	attrFinishReason  = "step.finish_reason"
)

// operationChat is every step's gen_ai.operation.name: a step is one model
// call, which the conventions name chat.
const operationChat = "chat"

// errorTypeOther is error.type for a failure whose type was not recorded,
// as the conventions require ("_OTHER").
const errorTypeOther = "_OTHER"

// Token types. input and output are gen_ai.token.type's values; the others
// are subsets of them (cache read and write of input, reasoning of output),
// named as the unreleased token counters name them.
const (
	tokenInput      = "input"
	tokenOutput     = "output"
	tokenCacheRead  = "cache_read"
	tokenCacheWrite = "cache_write"
	tokenReasoning  = "reasoning"
)

// Explicit bucket boundaries from the conventions (ExplicitBucketBoundaries
// advice in model/gen-ai/metrics.yaml).
var (
	tokenUsageBuckets = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBuckets   = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// costUSDName is the record's cost_usd field (step/fields.go), and
// costUSDKey its attribute on the anchor span; in a step.patches entry the
// field goes by its name.
const (
	costUSDName = "cost_usd"
	costUSDKey  = step.Prefix + costUSDName
)
