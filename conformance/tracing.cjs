// The OpenTelemetry SDK set up as an application would: a tracer provider
// that batches spans to the collector over OTLP/HTTP, registered globally
// before the instrumented client is loaded. The runner passes the collector
// endpoint, the fake server's URL and the service name in the environment.
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this script through run.mjs`);
  return v;
}

// collectorExporter sends spans to the collector over OTLP/HTTP.
const collectorExporter = () => new OTLPTraceExporter({ url: `${env('CONFORMANCE_OTLP')}/v1/traces` });

// startTracing registers the provider and the instrumentations and returns
// the provider, whose shutdown() flushes every span before the script exits.
// A library that brings its own span processor (Langfuse's) passes it in
// spanProcessors, wrapped around collectorExporter().
function startTracing(instrumentations = [], { spanProcessors } = {}) {
  const processors = spanProcessors ?? [new BatchSpanProcessor(collectorExporter())];
  if (process.env.CONFORMANCE_CAPTURE) processors.push(new BatchSpanProcessor(captureExporter(process.env.CONFORMANCE_CAPTURE)));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env('CONFORMANCE_SERVICE') }),
    spanProcessors: processors,
  });
  provider.register();
  if (instrumentations.length > 0) registerInstrumentations({ instrumentations, tracerProvider: provider });
  return provider;
}

const fakeURL = () => env('CONFORMANCE_FAKE_URL');

// captureExporter appends each batch as one OTLP/JSON
// ExportTraceServiceRequest line to file, the format of testdata/*.otlp.json
// (CONFORMANCE_CAPTURE=file; conformance/captured/ keeps such files).
// otlp-transformer is the serializer of the OTLP exporters (a dependency
// of exporter-trace-otlp-proto at the same version).
function captureExporter(file) {
  const fs = require('node:fs');
  const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  return {
    export(spans, done) {
      fs.appendFileSync(file, Buffer.from(JsonTraceSerializer.serializeRequest(spans)).toString() + '\n');
      done({ code: 0 });
    },
    shutdown: async () => {},
    forceFlush: async () => {},
  };
}

// The one tool of every agent loop, and what it answers.
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const weatherOf = (city) => `${city}: sunny, 21 C`;

module.exports = { startTracing, collectorExporter, fakeURL, env, weatherTool, weatherOf };
