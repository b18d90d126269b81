// What each library is run with and what its steps must say. `gives` lists
// the usage counts the library records (the others must stay empty: a
// count we made up would be wrong), and is what the README's Compatibility
// table shows. Every script runs two-call agent loops (tool call, then the
// answer): `calls` is their total.

const all = ['prompt', 'completion', 'total', 'cached', 'cacheWrite', 'reasoning'];
const loop = (i) => Math.floor(i / 2);

export const suites = [
  {
    name: 'otel-openai',
    library: '@opentelemetry/instrumentation-openai',
    script: 'otel-openai.cjs',
    source: 'genai',
    calls: 4,
    model: 'response',
    gives: ['prompt', 'completion', 'total'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-otel-openai-${loop(i) ? 'stream' : 'block'}` }),
    runPerLoop: true,
  },
];

// Libraries the issue names that this suite does not run, and why.
export const notCovered = [];

export { all };
