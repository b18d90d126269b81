// LangChain JS traced by @arizeai/openinference-instrumentation-langchain:
// a ChatOpenAI agent loop inside a RunnableLambda (a CHAIN span), with the
// session set through openinference-core. The lambda hands its config to
// the model, as LangChain documents, so that the model's runs are children
// of the chain's.
'use strict';
const { LangChainInstrumentation } = require('@arizeai/openinference-instrumentation-langchain');
const { startTracing, fakeURL, env, weatherTool, weatherOf } = require('../tracing.cjs');
const provider = startTracing();
new LangChainInstrumentation().manuallyInstrument(require('@langchain/core/callbacks/manager'));

const { context } = require('@opentelemetry/api');
const { setSession } = require('@arizeai/openinference-core');
const { ChatOpenAI } = require('@langchain/openai');
const { HumanMessage, ToolMessage } = require('@langchain/core/messages');
const { RunnableLambda } = require('@langchain/core/runnables');

async function ask(model, messages, stream, config) {
  if (!stream) return model.invoke(messages, config);
  let message;
  for await (const chunk of await model.stream(messages, config)) message = message ? message.concat(chunk) : chunk;
  return message;
}

async function main() {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini', apiKey: 'fake', configuration: { baseURL: `${fakeURL()}/v1` }, streamUsage: true,
  }).bindTools([weatherTool]);
  for (const stream of [false, true]) {
    const agent = RunnableLambda.from(async (question, config) => {
      const messages = [new HumanMessage(question)];
      for (let turn = 0; turn < 4; turn++) {
        const reply = await ask(model, messages, stream, config);
        messages.push(reply);
        if (!reply.tool_calls?.length) return reply.content;
        for (const call of reply.tool_calls) {
          messages.push(new ToolMessage({ tool_call_id: call.id, content: weatherOf(call.args.city) }));
        }
      }
      throw new Error('the agent loop did not end');
    }).withConfig({ runName: 'weather-agent' });
    const session = `conv-${env('CONFORMANCE_SERVICE')}-${stream ? 'stream' : 'block'}`;
    await context.with(setSession(context.active(), { sessionId: session }), () => agent.invoke('What is the weather in Paris?'));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
