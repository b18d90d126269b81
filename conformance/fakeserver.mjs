// A loopback fake of the OpenAI Chat Completions, Anthropic Messages and
// Gemini generateContent APIs, blocking and streaming, and of Bedrock's
// Converse (blocking). Each call gets usage numbers no other call has, so
// a step that took the wrong span's tokens cannot pass. The server keeps its
// own log of what it answered: that log, not the scripts, is what the steps
// are checked against.
import http from 'node:http';

// A request whose last message is not a tool result asks for the weather
// tool; one that carries the tool result gets the final answer. That makes
// every agent loop exactly two calls.
const TOOL = 'get_weather';
const FINAL_TOOL = 'final_answer';

export function startFakeServer() {
  const answered = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let request;
      try {
        request = JSON.parse(body || '{}');
      } catch {
        return fail(res, 400, 'request body is not JSON');
      }
      const n = ++calls;
      const url = new URL(req.url, 'http://fake');
      const gemini = url.pathname.match(/\/models\/([^/:]+):(generateContent|streamGenerateContent)$/);
      const converse = url.pathname.match(/^\/model\/([^/]+)\/converse$/);
      if (url.pathname.endsWith('/chat/completions')) {
        answered.push(openaiCall(n, request, res));
      } else if (url.pathname.endsWith('/messages')) {
        answered.push(anthropicCall(n, request, res));
      } else if (gemini) {
        answered.push(geminiCall(n, decodeURIComponent(gemini[1]), gemini[2] === 'streamGenerateContent', request, res));
      } else if (converse) {
        answered.push(converseCall(n, decodeURIComponent(converse[1]), request, res));
      } else {
        fail(res, 404, `no fake for ${req.method} ${req.url}`);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        answered,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

function fail(res, code, message) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
}

// OpenAI: prompt_tokens includes cached_tokens and completion_tokens includes
// reasoning_tokens, as the API documents.
function openaiUsage(n) {
  const prompt = 200 + 10 * n;
  const completion = 30 + n;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 64 + n, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 8 + n, audio_tokens: 0 },
  };
}

// The weather tool's answer (weatherOf in tracing.cjs, weather_of in
// python/common.py). Frameworks that send a tool's result back as a user
// message (smolagents: "Observation: ...") are recognised by it.
const TOOL_RESULT = 'sunny, 21 C';

function wantsTool(messages = []) {
  const last = messages[messages.length - 1];
  if (!last) return true;
  if (JSON.stringify(messages).includes(TOOL_RESULT)) return false;
  if (last.role === 'tool') return false;
  // Anthropic: the tool result is a user message with a tool_result block.
  if (Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result')) return false;
  // Bedrock Converse: a toolResult block.
  if (Array.isArray(last.content) && last.content.some((b) => b.toolResult)) return false;
  return true;
}

// dspyAnswer: the fields DSPy's ChatAdapter asks for in its last user
// message ("Respond with the corresponding output fields, starting with the
// field `[[ ## next_thought ## ]]`, ..."), in its format, or undefined for
// any other request. dspy.ReAct's step picks get_weather, then, once the
// tool's result is in its trajectory, finish; its extract step gets the
// answer. Every answer holds "in Paris." (the stream splits there).
function dspyAnswer(messages = []) {
  const last = messages[messages.length - 1];
  const ask = typeof last?.content === 'string' && last.content.match(/Respond with the corresponding output fields[^]*$/);
  if (!ask) return undefined;
  const told = !wantsTool(messages);
  const values = {
    next_thought: told ? 'I have the weather in Paris.' : 'I need the weather in Paris.',
    next_tool_name: told ? 'finish' : TOOL,
    next_tool_args: told ? '{}' : '{"city": "Paris"}',
    reasoning: 'The tool said it is sunny in Paris.',
  };
  const fields = [...ask[0].matchAll(/\[\[ ## (\w+) ## \]\]/g)].map((m) => m[1]).filter((f) => f !== 'completed');
  const body = fields.map((f) => `[[ ## ${f} ## ]]\n${values[f] ?? 'It is sunny in Paris.'}\n\n`).join('');
  return `${body}[[ ## completed ## ]]`;
}

function openaiCall(n, request, res) {
  const usage = openaiUsage(n);
  const model = `${request.model}-2025-01-01`;
  const id = `chatcmpl-fake${n}`;
  const tool = wantsTool(request.messages) && request.tools?.length > 0;
  // DSPy's ChatAdapter asks for its output fields as text (dspy.ReAct
  // chooses its tool in a field, not through tools): it gets them.
  const text = dspyAnswer(request.messages) ?? 'It is sunny in Paris.';
  // An agent that must end with a tool of its own (smolagents'
  // final_answer) gets its answer as that tool's call.
  const finalTool = !tool && request.tools?.some((t) => t.function?.name === FINAL_TOOL);
  const toolCall = finalTool
    ? { id: `call_fake${n}`, type: 'function', function: { name: FINAL_TOOL, arguments: JSON.stringify({ answer: text }) } }
    : { id: `call_fake${n}`, type: 'function', function: { name: TOOL, arguments: '{"city":"Paris"}' } };
  const calls = tool || finalTool;
  const finish = calls ? 'tool_calls' : 'stop';
  const created = Math.floor(Date.now() / 1000);
  const stream = request.stream === true;
  const includeUsage = request.stream_options?.include_usage === true;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_fake${n}` });
    res.end(JSON.stringify({
      id, object: 'chat.completion', created, model,
      choices: [{
        index: 0,
        message: calls ? { role: 'assistant', content: null, tool_calls: [toolCall] } : { role: 'assistant', content: text },
        finish_reason: finish, logprobs: null,
      }],
      usage,
    }));
  } else {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `req_fake${n}` });
    const chunk = (choices, extra = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
    if (calls) {
      chunk([{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } }] }, finish_reason: null }]);
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: toolCall.function.arguments } }] }, finish_reason: null }]);
    } else {
      const half = text.indexOf('in Paris.');
      chunk([{ index: 0, delta: { role: 'assistant', content: text.slice(0, half) }, finish_reason: null }]);
      chunk([{ index: 0, delta: { content: text.slice(half) }, finish_reason: null }]);
    }
    chunk([{ index: 0, delta: {}, finish_reason: finish }]);
    // stream_options.include_usage: one last chunk with no choices.
    if (includeUsage) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  }
  return {
    n, api: 'openai', stream, includeUsage, requestModel: request.model, model, finish, id,
    tokens: {
      prompt: usage.prompt_tokens, completion: usage.completion_tokens, total: usage.total_tokens,
      cached: usage.prompt_tokens_details.cached_tokens, cacheWrite: null,
      reasoning: usage.completion_tokens_details.reasoning_tokens,
    },
  };
}

// Anthropic: input_tokens leaves out cache reads and writes; the step's
// prompt count is the sum of the three (the OpenTelemetry meaning).
function anthropicUsage(n) {
  return { input_tokens: 50 + n, output_tokens: 20 + n, cache_read_input_tokens: 120 + n, cache_creation_input_tokens: 40 + n };
}

// The output count of a stream's message_start: the real API sends a small
// one there, and message_delta's count is the whole (cumulative) output.
const ANTHROPIC_START_OUTPUT_TOKENS = 1;

function anthropicCall(n, request, res) {
  const usage = anthropicUsage(n);
  const model = `${request.model}-20250101`;
  const id = `msg_fake${n}`;
  const tool = wantsTool(request.messages) && request.tools?.length > 0;
  const finish = tool ? 'tool_use' : 'end_turn';
  const toolUse = { type: 'tool_use', id: `toolu_fake${n}`, name: TOOL, input: { city: 'Paris' } };
  const text = 'It is sunny in Paris.';
  const stream = request.stream === true;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake${n}` });
    res.end(JSON.stringify({
      id, type: 'message', role: 'assistant', model,
      content: tool ? [toolUse] : [{ type: 'text', text }],
      stop_reason: finish, stop_sequence: null, usage,
    }));
  } else {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_fake${n}` });
    const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    // message_start carries the input side; message_delta the final output
    // count, as the real API streams them.
    event('message_start', {
      message: {
        id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
        usage: { ...usage, output_tokens: ANTHROPIC_START_OUTPUT_TOKENS },
      },
    });
    if (tool) {
      event('content_block_start', { index: 0, content_block: { ...toolUse, input: {} } });
      event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } });
    } else {
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    }
    event('content_block_stop', { index: 0 });
    event('message_delta', { delta: { stop_reason: finish, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    event('message_stop', {});
    res.end();
  }
  const cached = usage.cache_read_input_tokens;
  const cacheWrite = usage.cache_creation_input_tokens;
  const prompt = usage.input_tokens + cached + cacheWrite;
  return {
    n, api: 'anthropic', stream, includeUsage: true, requestModel: request.model, model, finish, id,
    ...(stream && { startOutputTokens: ANTHROPIC_START_OUTPUT_TOKENS }),
    tokens: {
      prompt, completion: usage.output_tokens, total: prompt + usage.output_tokens,
      cached, cacheWrite, reasoning: null,
    },
  };
}

// Gemini: promptTokenCount includes the cached tokens; candidatesTokenCount
// leaves the thoughts out, and totalTokenCount adds them. The step's
// completion count includes the thoughts (reasoning), as OpenAI's does.
function geminiUsage(n) {
  const prompt = 300 + 10 * n;
  const candidates = 40 + n;
  const thoughts = 12 + n;
  return {
    promptTokenCount: prompt, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts,
    cachedContentTokenCount: 96 + n, totalTokenCount: prompt + candidates + thoughts,
  };
}

function geminiCall(n, requestModel, stream, request, res) {
  const usage = geminiUsage(n);
  const model = `${requestModel}-001`;
  const id = `resp_fake${n}`;
  const last = request.contents?.[request.contents.length - 1];
  const hasTools = (request.tools ?? []).some((t) => t.functionDeclarations?.length);
  const tool = hasTools && !(last?.parts ?? []).some((p) => p.functionResponse);
  // Gemini ends a turn that calls a function with STOP, like any other.
  const finish = 'STOP';
  const parts = tool ? [{ functionCall: { name: TOOL, args: { city: 'Paris' } } }] : [{ text: 'It is sunny in Paris.' }];
  const body = (p, withFinish, withUsage) => ({
    candidates: [{ content: { role: 'model', parts: p }, index: 0, ...(withFinish && { finishReason: finish }) }],
    ...(withUsage && { usageMetadata: usage }),
    modelVersion: model, responseId: id,
  });
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body(parts, true, true)));
  } else {
    // ?alt=sse: each chunk a data line; the last carries the finish reason
    // and the usage, as the API sends them.
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunks = tool ? [parts] : [[{ text: 'It is sunny ' }], [{ text: 'in Paris.' }]];
    chunks.forEach((p, i) => {
      const lastChunk = i === chunks.length - 1;
      res.write(`data: ${JSON.stringify(body(p, lastChunk, lastChunk))}\r\n\r\n`);
    });
    res.end();
  }
  return {
    n, api: 'gemini', provider: 'gcp.gemini', stream, includeUsage: true, requestModel, model, finish, id,
    tokens: {
      prompt: usage.promptTokenCount, completion: usage.candidatesTokenCount + usage.thoughtsTokenCount,
      total: usage.totalTokenCount, cached: usage.cachedContentTokenCount, cacheWrite: null,
      reasoning: usage.thoughtsTokenCount,
    },
  };
}

// Bedrock Converse: inputTokens leaves out cache reads and writes, as
// Anthropic's input_tokens does; the step's prompt count is the sum.
function converseUsage(n) {
  return { inputTokens: 70 + n, outputTokens: 25 + n, cacheReadInputTokens: 140 + n, cacheWriteInputTokens: 30 + n };
}

function converseCall(n, requestModel, request, res) {
  const usage = converseUsage(n);
  const tool = wantsTool(request.messages) && request.toolConfig?.tools?.length > 0;
  const finish = tool ? 'tool_use' : 'end_turn';
  const content = tool
    ? [{ toolUse: { toolUseId: `tooluse_fake${n}`, name: TOOL, input: { city: 'Paris' } } }]
    : [{ text: 'It is sunny in Paris.' }];
  const prompt = usage.inputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens;
  res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': `req-fake${n}` });
  res.end(JSON.stringify({
    output: { message: { role: 'assistant', content } }, stopReason: finish,
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens },
    metrics: { latencyMs: 5 },
  }));
  return {
    n, api: 'bedrock-converse', provider: 'aws.bedrock', stream: false, includeUsage: true, requestModel, model: requestModel, finish, id: `req-fake${n}`,
    tokens: {
      prompt, completion: usage.outputTokens, total: prompt + usage.outputTokens,
      cached: usage.cacheReadInputTokens, cacheWrite: usage.cacheWriteInputTokens, reasoning: null,
    },
  };
}
