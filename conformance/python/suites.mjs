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
    // chat {model} spans under invoke_agent {name} (which carries
    // gen_ai.aggregated_usage.*, never a step): input/output counts,
    // gen_ai.usage.cache_read.input_tokens and
    // gen_ai.usage.details.reasoning_tokens, no total; the run's
    // conversation_id as gen_ai.conversation.id on every span.
    name: 'pydantic-ai',
    library: 'pydantic-ai (its own instrumentation)',
    venv: 'genai',
    script: 'pydantic_ai_loop.py',
    source: 'pydanticai',
    calls: 4,
    model: 'response',
    gives: all.filter((n) => n !== 'cacheWrite'),
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-pydantic-ai-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // The contrib reference, with opentelemetry-util-genai 1.1b0 and httpx
    // added (see requirements/genai.in), inside the user's invoke_agent.
    name: 'otel-openai-v2',
    library: 'opentelemetry-instrumentation-openai-v2',
    venv: 'genai',
    script: 'otel_openai_v2.py',
    source: 'genai',
    calls: 4,
    model: 'response',
    // Input and output counts only (no cache or reasoning details); P + C
    // is the server's total. A stream's chat span has no
    // gen_ai.response.finish_reasons.
    gives: { block: ['prompt', 'completion', 'total', 'finish'], stream: ['prompt', 'completion', 'total'] },
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
  {
    name: 'google-adk',
    library: 'google-adk (its own tracing)',
    venv: 'adk',
    script: 'adk_agent.py',
    source: 'adk',
    calls: 4,
    model: 'request',
    gives: all.filter((n) => n !== 'cacheWrite'),
    context: (i) => ({ agent_id: 'weather_agent', conversation_id: `conv-adk-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // The SDK's own spans (generation, turn, the agent, "Agent workflow"),
    // turned into OpenInference spans by its trace processor. A generation
    // span has llm.model_name (the requested model), llm.token_count.prompt
    // and .completion; no total, no cache or reasoning details, no finish
    // reason; the agent span has agent.name. A streamed call's output.value
    // is [the Responses API response], whose usage has the cache reads and
    // reasoning, which the step reads from it; a blocking call's is the
    // output items alone.
    name: 'openai-agents-openinference',
    library: 'openai-agents + openinference-instrumentation-openai-agents',
    venv: 'agents',
    script: 'openai_agents_openinference.py',
    source: 'openinference',
    calls: 4,
    model: 'request',
    // P + C is the server's total. The stream's counts need
    // ModelSettings(include_usage=True) away from api.openai.com.
    gives: { block: ['prompt', 'completion', 'total'], stream: ['prompt', 'completion', 'total', 'cached', 'reasoning'] },
    context: () => ({ agent_id: 'weather-agent' }),
    runPerLoop: true,
  },
  {
    // smolagents answers through its final_answer tool, so both calls of a
    // loop end in tool calls. OpenAIModel.generate(_stream) spans record
    // llm.model_name (the requested model) and prompt, completion and total
    // counts, no details and no finish reason; the AGENT span
    // (weather_agent.run) names the agent only in the span name and carries
    // the run's summed counts, which must give no step. A blocking call's
    // output.value holds the SDK response's repr under "raw", whose usage
    // and first choice the step reads for the cache, reasoning and finish
    // reason; a stream's raw is null.
    name: 'smolagents-openinference',
    library: 'smolagents + openinference-instrumentation-smolagents',
    venv: 'agents',
    script: 'smolagents_openinference.py',
    source: 'openinference',
    calls: 4,
    model: 'request',
    gives: { block: ['prompt', 'completion', 'total', 'cached', 'reasoning', 'finish'], stream: ['prompt', 'completion', 'total'] },
    runPerLoop: true,
  },
  {
    // FunctionAgent.run (CHAIN, no agent name) over run_agent_step, which
    // holds two LLM spans: OpenAI._prepare_chat_with_tools (the tool schema
    // only: llm.model_name and nothing else, no request is made) and
    // OpenAI.achat / astream_chat, the call. llm.model_name is the
    // requested model; a stream records its finish reason but no counts.
    name: 'llama-index-openinference',
    library: 'llama-index + openinference-instrumentation-llama-index',
    venv: 'llamaindex',
    script: 'llama_index_agent.py',
    source: 'openinference',
    calls: 4,
    model: 'request',
    gives: { block: all.filter((n) => n !== 'cacheWrite'), stream: ['finish'] },
    // FunctionAgent.run is a CHAIN span like every workflow step: nothing
    // records an agent invocation, and only one starts a run (as with the
    // JS langsmith-otel suite's chain), so the steps have no run.
  },
  {
    // Strands' OpenAI model always streams (include_usage), so both loops
    // stream: agent() and stream_async(). Each model call is a `chat` span
    // under execute_event_loop_cycle under invoke_agent {name}; it records
    // gen_ai.request.model only, input/output/total and cache reads (no
    // reasoning), gen_ai.system = strands-agents (the framework) and no
    // provider or server address, and the finish reason only on its
    // gen_ai.choice event, in Strands' vocabulary (tool_use, end_turn). The
    // agent's trace_attributes put session.id on every span.
    name: 'strands-openai',
    library: 'strands-agents (its own tracing), OpenAI model',
    venv: 'strands',
    script: 'strands_agent.py',
    env: { CONFORMANCE_STRANDS_MODEL: 'openai' },
    source: 'strands',
    provider: null,
    calls: 4,
    model: 'request',
    gives: ['prompt', 'completion', 'total', 'cached', 'finish'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-strands-openai-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // The same spans; the Converse usage's cache reads and writes are
    // recorded, and gen_ai.usage.input_tokens already includes them:
    // Strands 1.62 adds them to Bedrock's inputTokens when input + output
    // is not the total (strands/telemetry/metrics.py _total_prompt_tokens).
    // The provider is the evidence of the Bedrock model id (us.anthropic.…),
    // as issue 10 asks.
    name: 'strands-bedrock',
    library: 'strands-agents (its own tracing), Bedrock model (Converse, streaming off)',
    venv: 'strands',
    script: 'strands_agent.py',
    env: { CONFORMANCE_STRANDS_MODEL: 'bedrock' },
    source: 'strands',
    calls: 4,
    model: 'request',
    gives: all.filter((n) => n !== 'reasoning'),
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-strands-bedrock-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // CrewAI 1.x calls OpenAI through the openai client (no LiteLLM), so
    // the model calls are -openai's ChatCompletion spans (the served model,
    // every count but cache writes, the finish reason), under the crewai
    // instrumentation's AGENT span ("weather-agent._execute_core", no
    // agent.name) and the crew's kickoff.
    name: 'crewai-openinference',
    library: 'crewai + openinference-instrumentation-crewai (+ -openai, -litellm)',
    venv: 'crewai',
    script: 'crewai_openinference.py',
    source: 'openinference',
    calls: 4,
    model: 'response',
    gives: all.filter((n) => n !== 'cacheWrite'),
    runPerLoop: true,
  },
  {
    // OpenLLMetry's OpenAI instrumentation on its own (no traceloop-sdk):
    // openai.chat spans (scope opentelemetry.instrumentation.openai.v1)
    // under the user's invoke_agent. gen_ai.provider.name comes from the
    // base URL (openai for any host it does not know); the served model,
    // gen_ai.response.id, the finish reasons in GenAI's words (tool_calls
    // becomes tool_call), input/output/total and
    // gen_ai.usage.cache_read.input_tokens. gen_ai.usage.reasoning_tokens
    // only in _handle_response, the blocking path: a stream's usage chunk
    // (include_usage) gives every other count.
    name: 'openllmetry-openai',
    library: 'opentelemetry-instrumentation-openai (OpenLLMetry)',
    venv: 'openllmetry',
    script: 'openllmetry_openai.py',
    source: 'openllmetry',
    calls: 4,
    model: 'response',
    gives: {
      block: all.filter((n) => n !== 'cacheWrite'),
      stream: all.filter((n) => n !== 'cacheWrite' && n !== 'reasoning'),
    },
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-openllmetry-openai-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // OpenLLMetry's Anthropic instrumentation on its own, with anthropic's
    // own tracing off (open_telemetry=False; see notCovered for it on):
    // anthropic.chat spans (scope opentelemetry.instrumentation.anthropic)
    // with nothing but gen_ai.* keys. gen_ai.usage.input_tokens is
    // Anthropic's input_tokens plus cache reads and writes (unlike the JS
    // package), the total is that plus output, and
    // gen_ai.usage.cache_read.input_tokens and cache_creation.input_tokens
    // are both set; the finish reason in GenAI's words (tool_use becomes
    // tool_call, end_turn stop), streams included.
    name: 'openllmetry-anthropic',
    library: 'opentelemetry-instrumentation-anthropic (OpenLLMetry)',
    venv: 'openllmetry',
    script: 'openllmetry_anthropic.py',
    env: { CONFORMANCE_SDK_TRACES: 'off' },
    source: 'openllmetry',
    calls: 4,
    model: 'response',
    gives: all.filter((n) => n !== 'reasoning'),
    // A stream's output count is message_start's output_tokens plus
    // message_delta's, which is already the whole output
    // (streaming.py _process_response_item adds them), and the total
    // follows: both are over by message_start's count.
    tokensAs: (call) => call.stream
      ? { completion: call.tokens.completion + call.startOutputTokens, total: call.tokens.total + call.startOutputTokens }
      : {},
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-conformance-openllmetry-anthropic-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // openlit.init builds the tracer provider and exporter and patches the
    // openai client. Each call is a `chat {model}` span (scope
    // openlit.instrumentation.openai) under the user's invoke_agent, with
    // an httpx POST span beneath it: gen_ai.provider.name, the request and
    // response models, gen_ai.response.id, the finish reasons (a stream's
    // too), input and output counts and gen_ai.client.token.usage (their
    // sum, no gen_ai.usage.total_tokens), and both cache keys on every call:
    // gen_ai.usage.cache_read.input_tokens (OpenAI's cached_tokens) and
    // cache_creation.input_tokens, 0 when the API sent no cache_write_tokens
    // (OpenAI never does), which is no count. Reasoning only for the
    // Responses API. gen_ai.usage.cost is 0: its pricing file is fetched from
    // GitHub at init, out of reach here as for an air-gapped user.
    name: 'openlit',
    library: 'openlit (its OpenAI instrumentation)',
    venv: 'openlit',
    script: 'openlit_openai.py',
    source: 'genai',
    calls: 4,
    model: 'response',
    // P + C is the server's total.
    gives: ['prompt', 'completion', 'total', 'cached', 'finish'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-openlit-${mode(i)}` }),
    runPerLoop: true,
    // OpenLIT's 0 cost is no price, and the catalogue knows no
    // gpt-4o-mini-2025-01-01 (the fake server's model).
    noCost: true,
  },
  {
    // The same loop with anthropic's own tracing on, its default: each call
    // is OpenLLMetry's anthropic.chat span and, beside it (OpenLLMetry
    // starts its span without making it current), the SDK's
    // anthropic.messages.create span (scope com.anthropic.sdk.python), both
    // under invoke_agent with the call's gen_ai.response.id. One step per
    // call, on the SDK's span, the inner one by time. The SDK's span holds
    // gen_ai.usage.input_tokens (Anthropic's input_tokens plus cache reads
    // and writes), output_tokens (a stream's is message_delta's whole
    // count), cache_read.input_tokens and cache_write.input_tokens, and the
    // raw stop_reason under anthropic.message.stop_reason; no total (P + C
    // is the server's).
    name: 'openllmetry-anthropic-sdk-tracing',
    library: 'opentelemetry-instrumentation-anthropic (OpenLLMetry) with anthropic 2.x tracing its own calls',
    venv: 'openllmetry',
    script: 'openllmetry_anthropic.py',
    source: 'genai',
    calls: 4,
    model: 'response',
    gives: all.filter((n) => n !== 'reasoning'),
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-conformance-openllmetry-anthropic-sdk-tracing-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // The Langfuse Python SDK as its docs set it up (get_client() builds
    // the tracer provider and the LangfuseSpanProcessor, exporting to the
    // collector as its host), langfuse.openai's drop-in OpenAI client, each
    // loop in an `agent` observation (weather-agent) with the session and
    // user propagated to every span (propagate_attributes). Each call is an
    // OpenAI-generation span (scope langfuse-sdk): the served model as
    // langfuse.observation.model.name (a stream's from its chunks), and
    // usage_details holding OpenAI's usage object as it came (_parse_usage):
    // prompt/completion/total_tokens with prompt_tokens_details.cached_tokens
    // and completion_tokens_details.reasoning_tokens. No provider, no
    // response id. A stream's finish reason is observation metadata
    // (langfuse.observation.metadata.finish_reason, JSON-encoded as every v5
    // metadata value); a blocking call records none.
    name: 'langfuse-openai',
    library: 'langfuse (its OpenTelemetry SDK) + langfuse.openai',
    venv: 'langfuse',
    script: 'langfuse_openai.py',
    source: 'langfuse',
    provider: null,
    calls: 4,
    model: 'response',
    gives: {
      block: ['prompt', 'completion', 'total', 'cached', 'reasoning'],
      stream: ['prompt', 'completion', 'total', 'cached', 'reasoning', 'finish'],
    },
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-langfuse-py-${mode(i)}`, user_id: 'user-7' }),
    runPerLoop: true,
    // cost_details is written only from a usage.cost the provider sent
    // (OpenRouter, _parse_cost) or as zeros on a failed call; OpenAI sends
    // none, and the catalogue knows no gpt-4o-mini-2025-01-01.
    noCost: true,
  },
  {
    // logfire.configure(send_to_logfire=False) exporting over
    // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and instrument_openai(client).
    // Each blocking call is a "Chat Completion with {request_data[model]!r}"
    // span (scope logfire.openai) under the user's invoke_agent:
    // gen_ai.provider.name, the request and response models,
    // gen_ai.response.id, the finish reasons, input (with the cache) and
    // output counts and gen_ai.usage.cache_read.input_tokens; no total, and
    // reasoning only inside the gen_ai.usage.raw JSON, which the step reads
    // for it. A streamed call is
    // that span with the request only (it ends when the stream is returned)
    // and, beside it, a "streaming response from ..." log (logfire.span_type
    // log, no duration) with the response, counts and finish reason
    // (llm_providers/llm_provider.py record_streaming): one step, on the
    // log. operation.cost only where genai_prices is installed, which
    // logfire does not ask for: none here. Claimed by the logfire.* scope.
    name: 'logfire-openai',
    library: 'logfire (instrument_openai, OTLP to the collector)',
    venv: 'logfire-litellm',
    script: 'logfire_openai.py',
    source: 'pydanticai',
    calls: 4,
    model: 'response',
    // P + C is the server's total.
    gives: ['prompt', 'completion', 'total', 'cached', 'reasoning', 'finish'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-logfire-openai-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // litellm.callbacks = ["otel"] on the application's tracer provider,
    // with USE_OTEL_LITELLM_REQUEST_SPAN (see notCovered for its default):
    // a litellm_request span per call (scope litellm) over a
    // raw_gen_ai_request span (llm.openai.* Python reprs, no gen_ai.*
    // keys). litellm_request has llm.request.type = completion (so
    // OpenLLMetry's keys claim it), gen_ai.system, the request model,
    // gen_ai.response.model (a stream's is the requested one),
    // gen_ai.response.id, the finish reasons, input (with the cache),
    // output and total; cache reads and reasoning only in the
    // metadata.usage_object repr, which the step reads for them. Its own cost as gen_ai.cost.total_cost,
    // input_cost and output_cost (and hidden_params.response_cost), which
    // the step keeps (cost_source span). A stream is logged from litellm's thread
    // pool after its last chunk, without the caller's context: its span is
    // the root of a trace of its own, with no agent, conversation or run.
    name: 'litellm-otel',
    library: 'litellm (its otel callback, USE_OTEL_LITELLM_REQUEST_SPAN)',
    venv: 'logfire-litellm',
    script: 'litellm_otel.py',
    env: { USE_OTEL_LITELLM_REQUEST_SPAN: 'true' },
    source: 'openllmetry',
    calls: 4,
    model: { block: 'response', stream: 'request' },
    gives: ['prompt', 'completion', 'total', 'cached', 'reasoning', 'finish'],
    // litellm 1.110.2's own prices for gpt-4o-mini (its bundled
    // model_prices_and_context_window_backup.json, which the script makes
    // it use): 0.15 USD per million input tokens, 0.075 per million cache
    // reads, 0.60 per million output tokens, reasoning included.
    spanCost: (call, t) => ({
      input: (t.prompt - (t.cached ?? 0)) * 0.15e-6 + (t.cached ?? 0) * 0.075e-6,
      output: t.completion * 0.6e-6,
    }),
    context: (i) => (loop(i)
      ? { agent_id: null, conversation_id: null, run_id: null }
      : { agent_id: 'weather-agent', conversation_id: 'conv-litellm-otel-block' }),
  },
  {
    // Agent.run (AGENT span "weather_agent.run": agent.name, session.id,
    // user.id, agno.run.id) over one LLM span per call,
    // OpenAIChat.invoke or .invoke_stream (_model_wrapper.py):
    // llm.model_name is the model's id, the requested model; llm.provider
    // is agno's "OpenAI", llm.system openai. From agno's response_usage:
    // llm.token_count.prompt, .completion and
    // .prompt_details.cache_read; no total (only the async invoke records
    // one), no reasoning (agno counts it, the wrapper does not record it),
    // no finish reason.
    name: 'agno-openinference',
    library: 'agno + openinference-instrumentation-agno',
    venv: 'agno',
    script: 'agno_openinference.py',
    source: 'openinference',
    calls: 4,
    model: 'request',
    // P + C is the server's total.
    gives: ['prompt', 'completion', 'total', 'cached'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-agno-${mode(i)}`, user_id: 'user-7' }),
    runPerLoop: true,
  },
  {
    // dspy.ReAct picks its tool in a text field (ChatAdapter's [[ ## ... ## ]]
    // format, which the fake server answers), so a loop is three calls:
    // get_weather, finish, then the extract step's answer. dspy.LM(...,
    // engine="litellm") and LiteLLMInstrumentor: each call is dspy's LLM
    // span LM.__call__ (llm.model_name without the route, llm.provider, no
    // counts) around -litellm's `completion` (or `acompletion` for a
    // stream) LLM span: one step per call, on the inner span.
    // llm.model_name is the model string as given to litellm,
    // "openai/gpt-4o-mini"; llm.finish_reason, prompt, completion and total
    // counts, prompt_details.cache_read and completion_details.reasoning,
    // and litellm's price as llm.cost.total. The modules (ReAct.forward,
    // Predict, ChatAdapter) are CHAIN spans: nothing records an agent or a
    // run. using_attributes puts session.id and user.id on every span.
    name: 'dspy-openinference-litellm',
    library: 'dspy (litellm engine) + openinference-instrumentation-dspy + openinference-instrumentation-litellm',
    venv: 'dspy',
    script: 'dspy_react.py',
    env: { CONFORMANCE_DSPY_LITELLM: 'on' },
    source: 'openinference',
    calls: 6,
    model: 'request',
    modelAs: (call) => `openai/${call.requestModel}`,
    gives: all.filter((n) => n !== 'cacheWrite'),
    context: (i) => ({ conversation_id: `conv-conformance-dspy-openinference-litellm-${i < 3 ? 'block' : 'stream'}`, user_id: 'user-7' }),
  },
  {
    // The same agent on dspy's default engine ("auto", lm15 for this
    // request; litellm is not called) with -dspy alone: its LM.__call__
    // span has llm.model_name (the requested model), llm.provider openai,
    // the messages and nothing of the response's usage or finish reason.
    name: 'dspy-openinference',
    library: 'dspy + openinference-instrumentation-dspy',
    venv: 'dspy',
    script: 'dspy_react.py',
    source: 'openinference',
    calls: 6,
    model: 'request',
    gives: [],
    context: (i) => ({ conversation_id: `conv-conformance-dspy-openinference-${i < 3 ? 'block' : 'stream'}`, user_id: 'user-7' }),
  },
  {
    // The contrib reference for google-genai (2.x: it declares <3 and
    // patches nothing under 3.x), a function-call loop of the user's own
    // inside invoke_agent. Each call is a generate_content {model} span
    // (scope opentelemetry.instrumentation.google_genai) written through
    // opentelemetry-util-genai: gen_ai.provider.name = gemini (not
    // gcp.gemini), the request and response models, gen_ai.response.id,
    // the finish reasons lowercased (a function call ends with stop),
    // input_tokens = promptTokenCount, output_tokens = candidates +
    // thoughts (generate_content.py _apply_response_attributes),
    // cache_read.input_tokens and reasoning.output_tokens; a stream's from
    // its last chunk. No total key: P + C is the server's total.
    name: 'otel-google-genai',
    library: 'opentelemetry-instrumentation-google-genai',
    venv: 'google-genai',
    script: 'otel_google_genai.py',
    source: 'genai',
    calls: 4,
    model: 'response',
    gives: all.filter((n) => n !== 'cacheWrite'),
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-otel-google-genai-${mode(i)}` }),
    runPerLoop: true,
  },
  {
    // Semantic Kernel's own spans (utils/telemetry/model_diagnostics): a
    // chat {model} span per call (scope ...model_diagnostics.decorators)
    // under AutoFunctionInvocationLoop, beside execute_tool spans, inside
    // the user's invoke_agent. gen_ai.system = openai, the request model
    // only, gen_ai.response.id, input and output counts (no total, no
    // cache or reasoning: CompletionUsage keeps the details but
    // _set_completion_response writes only the two), and the finish reason
    // under the singular gen_ai.response.finish_reason as str() of its
    // enum (FinishReason.TOOL_CALLS), a stream's too. P + C is the
    // server's total. Content goes to log records, not spans.
    name: 'semantic-kernel',
    library: 'semantic-kernel (its own GenAI spans)',
    venv: 'semantic-kernel',
    script: 'semantic_kernel_agent.py',
    env: { SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS: 'true', SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS_SENSITIVE: 'true' },
    source: 'genai',
    calls: 4,
    model: 'request',
    gives: ['prompt', 'completion', 'total', 'finish'],
    context: (i) => ({ agent_id: 'weather-agent', conversation_id: `conv-semantic-kernel-${mode(i)}` }),
    runPerLoop: true,
  },
];

// Libraries the issue names that this suite does not run, and why.
export const notCovered = [
  {
    // Tried three times with pip 23.2.1 on Python 3.11.7 (pip install
    // --dry-run): traceloop-sdk==0.62.4 with openai==3.51.0 and
    // anthropic==2.10.0; the same with opentelemetry-sdk==1.45.2 and
    // opentelemetry-instrumentation-logging==0.66b2; and with -redis==0.66b2
    // as well. Each ended in ResolutionImpossible.
    library: 'traceloop-sdk 0.62.4 (the SDK only: its OpenAI and Anthropic instrumentations run without it in openllmetry-openai and openllmetry-anthropic)',
    reason: 'pip finds no install of it: it asks for 38 opentelemetry-instrumentation-* packages, most with open ranges (>=0.59b0), each of which pins one exact ' +
      'opentelemetry-instrumentation, and pip backtracks through -logging, -redis and -requests releases until ResolutionImpossible ' +
      '(with openai 3.51.0 and anthropic 2.10.0; also with -logging and -redis pinned to 0.66b2). So Traceloop.init, its workflow and agent decorators ' +
      'and association properties are not run from Python',
  },
  {
    // Checked with the litellm-otel script without the variable, spans
    // captured: the block loop's invoke_agent span ended with
    // gen_ai.operation.name = chat and the second call's counts, and the
    // first call's usage only in raw_gen_ai_request's llm.openai.usage repr.
    library: 'litellm 1.110.2 otel callback in its default mode (no USE_OTEL_LITELLM_REQUEST_SPAN)',
    reason: 'inside a span of the application it makes no span per call: it writes each call\'s gen_ai.* keys onto that span ' +
      '(integrations/opentelemetry.py, should_create_primary_span), so the user\'s invoke_agent span becomes a chat span with the last ' +
      'call\'s counts (its gen_ai.operation.name overwritten) and a loop of two calls gives one step; run with the variable in litellm-otel',
  },
  {
    // Checked with the otel-google-genai setup and the get_weather
    // function passed as a Python callable, blocking and streaming, spans
    // captured: each loop was one generate_content span with the second
    // call's response id and counts (resp_fake2: 320 in, 56 out), and an
    // execute_tool span; the first call's usage was on no span.
    library: 'opentelemetry-instrumentation-google-genai 1.3b0 with google-genai\'s automatic function calling (a Python function as the tool, its default)',
    reason: 'the instrumentation wraps Models.generate_content and generate_content_stream, and the SDK runs its function-calling loop inside them: ' +
      'a loop of two model calls is one span with the last call\'s response and counts, so one step, and the first call\'s tokens are recorded nowhere; ' +
      'run with a function declaration and the loop in the script in otel-google-genai',
  },
];
