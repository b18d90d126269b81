// The agent loop of the scripts that drive the openai client directly: ask,
// run the tool the model called, send its result back, get the answer. Two
// model calls per loop, blocking or streaming.
'use strict';
const { weatherTool, weatherOf } = require('./tracing.cjs');

const MODEL = 'gpt-4o-mini';

async function complete(client, messages, stream) {
  const request = { model: MODEL, messages, tools: [weatherTool] };
  if (!stream) {
    const r = await client.chat.completions.create(request);
    return r.choices[0].message;
  }
  const chunks = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  const message = { role: 'assistant', content: '', tool_calls: [] };
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta ?? {};
    if (delta.content) message.content += delta.content;
    for (const t of delta.tool_calls ?? []) {
      const call = (message.tool_calls[t.index] ??= { id: t.id, type: 'function', function: { name: '', arguments: '' } });
      if (t.function?.name) call.function.name += t.function.name;
      if (t.function?.arguments) call.function.arguments += t.function.arguments;
    }
  }
  if (message.tool_calls.length === 0) delete message.tool_calls;
  return message;
}

async function weatherLoop(client, { stream }) {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  for (let turn = 0; turn < 4; turn++) {
    const message = await complete(client, messages, stream);
    messages.push(message);
    if (!message.tool_calls) return message.content;
    for (const call of message.tool_calls) {
      const { city } = JSON.parse(call.function.arguments);
      messages.push({ role: 'tool', tool_call_id: call.id, content: weatherOf(city) });
    }
  }
  throw new Error('the agent loop did not end');
}

module.exports = { weatherLoop, MODEL };
