// The agent loop of the scripts that drive @anthropic-ai/sdk directly: the
// same two calls as openai-loop.cjs, in the Messages API's shapes.
'use strict';
const { weatherTool, weatherOf } = require('./tracing.cjs');

const MODEL = 'claude-sonnet-4-5';
const tools = [{
  name: weatherTool.function.name,
  description: weatherTool.function.description,
  input_schema: weatherTool.function.parameters,
}];

async function create(client, messages, stream) {
  const request = { model: MODEL, max_tokens: 256, messages, tools };
  if (!stream) return client.messages.create(request);
  const events = await client.messages.create({ ...request, stream: true });
  const content = [];
  let stopReason = null;
  for await (const e of events) {
    if (e.type === 'content_block_start') content[e.index] = { ...e.content_block, json: '' };
    if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') content[e.index].json += e.delta.partial_json;
    if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') content[e.index].text += e.delta.text;
    if (e.type === 'message_delta') stopReason = e.delta.stop_reason;
  }
  for (const b of content) {
    if (b.type === 'tool_use') b.input = JSON.parse(b.json || '{}');
    delete b.json;
  }
  return { content, stop_reason: stopReason };
}

async function weatherLoop(client, { stream }) {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  for (let turn = 0; turn < 4; turn++) {
    const message = await create(client, messages, stream);
    messages.push({ role: 'assistant', content: message.content });
    const uses = message.content.filter((b) => b.type === 'tool_use');
    if (uses.length === 0) return message.content.map((b) => b.text ?? '').join('');
    messages.push({
      role: 'user',
      content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: weatherOf(u.input.city) })),
    });
  }
  throw new Error('the agent loop did not end');
}

module.exports = { weatherLoop, MODEL };
