// The Python suites, in the shape of ../suites.mjs (run by
// `node run.mjs --python`): each names its venv group
// (requirements/<venv>.txt) and its script under scripts/. `gives` lists
// the usage counts the library records, read from its spans
// (captured/<suite>.json) and its source, never from our output; the
// others must stay empty.

const all = ['prompt', 'completion', 'total', 'cached', 'cacheWrite', 'reasoning', 'finish'];
const loop = (i) => Math.floor(i / 2);
const mode = (i) => (loop(i) ? 'stream' : 'block');

export const suites = [
  {
    name: 'pydantic-ai',
    library: 'pydantic-ai (its own instrumentation)',
    venv: 'genai',
    script: 'pydantic_ai_loop.py',
    source: 'genai',
    calls: 4,
    model: 'response',
    gives: all.filter((n) => n !== 'cacheWrite'),
    context: () => ({ agent_id: 'weather-agent' }),
    runPerLoop: true,
  },
  {
    name: 'otel-openai-v2',
    library: 'opentelemetry-instrumentation-openai-v2',
    venv: 'genai',
    script: 'otel_openai_v2.py',
    source: 'genai',
    calls: 4,
    model: 'response',
    gives: ['prompt', 'completion', 'finish'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-otel-openai-v2-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // Each LangGraph node is an AGENT span too ("agent", "tools"), under the
    // root AGENT span named after the graph; both calls of a loop are in the
    // root's trace.
    name: 'langgraph-openinference',
    library: 'langgraph + openinference-instrumentation-langchain',
    venv: 'langchain',
    script: 'langgraph_agent.py',
    env: { CONFORMANCE_LANGCHAIN_TRACING: 'openinference' },
    source: 'openinference',
    calls: 4,
    // llm.model_name: the served model of a blocking call; a stream's
    // chunks carry none, so it is the requested one.
    model: { block: 'response', stream: 'request' },
    gives: all.filter((n) => n !== 'cacheWrite'),
    // session.id from the thread_id in the run's metadata.
    context: (i) => ({ conversation_id: `conv-langgraph-openinference-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // LangSmith's OTel mode (langsmith.* + gen_ai.*): the ChatOpenAI span
    // has gen_ai.request.model and input/output/total counts; cache reads
    // and reasoning only in langsmith.metadata.usage_metadata (JSON), the
    // finish reason and the served model only in the gen_ai.completion JSON
    // (generation_info.finish_reason, response_metadata.model_name).
    name: 'langchain-langsmith',
    library: 'langgraph + langsmith OpenTelemetry mode',
    venv: 'langchain',
    script: 'langgraph_agent.py',
    env: { CONFORMANCE_LANGCHAIN_TRACING: 'langsmith' },
    source: 'langsmith',
    calls: 4,
    model: 'request',
    gives: all.filter((n) => n !== 'cacheWrite'),
    // langsmith.metadata.thread_id is the conversation.
    context: (i) => ({ conversation_id: `conv-langchain-langsmith-${mode(i)}` }),
    runPerLoop: true,
  },
];

// Libraries the issue names that this suite does not run, and why.
export const notCovered = [
];
