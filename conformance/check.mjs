// Holds the steps that one script's spans gave against the fake server's
// log of the calls it answered: one step per call, in call order.

// Step record fields of each usage count in the fake server's log.
export const tokenFields = {
  prompt: 'prompt_tokens',
  completion: 'completion_tokens',
  total: 'total_tokens',
  cached: 'cached_input_tokens',
  cacheWrite: 'cache_write_tokens',
  reasoning: 'reasoning_tokens',
};

// Gemini ends a turn that calls a function with STOP.
const finishOf = { tool_calls: 'tool_call', tool_use: 'tool_call', stop: 'stop', end_turn: 'stop', STOP: 'stop' };

// givesOf: the counts the library records for this call; a suite whose
// library records less when streaming says so with {block, stream}.
function givesOf(suite, call) {
  return byMode(suite.gives, call);
}

// byMode reads a suite setting that may differ between blocking and
// streaming calls ({block, stream}).
function byMode(setting, call) {
  const split = setting && typeof setting === 'object' && !Array.isArray(setting);
  return split ? setting[call.stream ? 'stream' : 'block'] : setting;
}

// inCallOrder puts the steps in the order of the calls. A step with a
// request id is the call that answered with that id; the others go by
// start time, which JS tracers record to the millisecond only.
// RFC 3339 times with their fraction padded to nanoseconds, so that they
// sort as strings: the records drop trailing zeros (".4Z" is ".400Z").
const sortableTime = (t) => t.replace(/(?:\.(\d{1,9}))?Z$/, (_, f = '') => `.${f.padEnd(9, '0')}Z`);

function inCallOrder(records, calls, problems) {
  const byTime = [...records].sort((a, b) => sortableTime(a.start_time).localeCompare(sortableTime(b.start_time)) || a.id.localeCompare(b.id));
  const ordered = new Array(calls.length);
  const rest = [];
  for (const r of byTime) {
    const i = r.request_id ? calls.findIndex((c) => c.id === r.request_id) : -1;
    if (r.request_id && i < 0) problems.push(`step ${r.id}: request_id ${r.request_id} is no call the fake server answered`);
    if (i >= 0 && !ordered[i]) ordered[i] = r;
    else rest.push(r);
  }
  for (let i = 0; i < ordered.length; i++) ordered[i] ??= rest.shift();
  return ordered;
}

// checkSuite returns the problems; problems.pending lists the mismatches of
// fields that suite.pendingFixes names (fixed on another branch, not yet
// merged), which run.mjs prints without failing. A pending field that
// matches everywhere is a problem: the fix has landed and the entry must go.
export function checkSuite(suite, calls, records) {
  const problems = [];
  problems.pending = [];
  const pending = new Set(suite.pendingFixes?.fields ?? []);
  const pendingSeen = new Set();
  if (calls.length !== suite.calls) problems.push(`the script made ${calls.length} model calls, want ${suite.calls}`);
  if (records.length !== calls.length) {
    problems.push(`${records.length} steps for ${calls.length} model calls: ` +
      records.map((r) => `${r.model ?? '?'} prompt=${r.prompt_tokens ?? '-'} span=${r.span_id}`).join('; '));
    return problems;
  }
  const steps = inCallOrder(records, calls, problems);
  steps.forEach((s, i) => {
    const call = calls[i];
    const flag = (field, msg) => {
      if (pending.has(field)) {
        pendingSeen.add(field);
        problems.pending.push(msg);
      } else problems.push(msg);
    };
    const expect = (field, want) => {
      const got = s[field] ?? null;
      if (got !== want) flag(field, `call ${i + 1} (${call.api}${call.stream ? ' stream' : ''}): ${field} = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    };
    expect('status', 'success');
    expect('source', suite.source);
    // provider: null for a library that records no provider (a made-up one
    // would be wrong). call.provider: the OpenTelemetry name where it is not
    // the API's (Gemini's gcp.gemini, Bedrock's aws.bedrock).
    expect('provider_name', suite.provider === null ? null : call.provider ?? call.api);
    // modelAs: a library that records the model in a form of its own
    // (LiteLLM's "openai/gpt-4o-mini" route) says what it records.
    expect('model', suite.modelAs?.(call) ?? (byMode(suite.model, call) === 'request' ? call.requestModel : call.model));
    const gives = givesOf(suite, call);
    if (gives.includes('finish')) {
      // finishAs: a library that records its own vocabulary in place of the
      // API's (Genkit's "stop" for a tool call) says what it records.
      expect('finish_reason', suite.finishAs?.[call.finish] ?? finishOf[call.finish]);
      if (!s.finish_reason_raw) flag('finish_reason_raw', `call ${i + 1}: finish_reason_raw is empty`);
    } else {
      // Never inferred: a library that records no reason gives none.
      expect('finish_reason', null);
      expect('finish_reason_raw', null);
    }
    // tokensAs: a library that records a count other than the API's says
    // what it records, from the call's log, so that the count is still
    // held to one exact value.
    const tokens = { ...call.tokens, ...suite.tokensAs?.(call) };
    for (const [name, field] of Object.entries(tokenFields)) {
      expect(field, gives.includes(name) ? tokens[name] : null);
    }
    for (const [field, want] of Object.entries(suite.context?.(i) ?? {})) expect(field, want);
    // noCost: the step must have no cost at all, as for a library whose
    // span cost is its "no price" 0 on a model the catalogue does not know.
    if (suite.noCost) {
      expect('cost_source', null);
      expect('cost_usd', null);
    }
    // spanCost: a library that records its own cost says, from the call's
    // log and its own price list, what it records (USD); the step keeps it.
    if (suite.spanCost) {
      const want = suite.spanCost(call, tokens);
      expect('cost_source', 'span');
      const near = (field, usd) => {
        const got = s[field] ?? null;
        if (got === null || Math.abs(got - usd) > 1e-12 + 1e-9 * usd) {
          flag(field, `call ${i + 1}: ${field} = ${JSON.stringify(got)}, want ${usd}`);
        }
      };
      near('input_cost_usd', want.input);
      near('output_cost_usd', want.output);
      near('cost_usd', want.input + want.output);
    }
  });
  for (const field of pending) {
    if (!pendingSeen.has(field)) problems.push(`${field} now matches on every step: remove it from pendingFixes`);
  }
  if (suite.runPerLoop) {
    // Both calls of a loop share the loop's run; two loops are two runs.
    const runs = steps.map((s) => s.run_id ?? null);
    runs.forEach((r, i) => {
      if (!r) problems.push(`call ${i + 1}: run_id is empty`);
      else if (i % 2 === 1 && r !== runs[i - 1]) problems.push(`calls ${i} and ${i + 1} of one loop have run_ids ${runs[i - 1]} and ${r}`);
      else if (i % 2 === 0 && i > 0 && r === runs[i - 1]) problems.push(`calls ${i} and ${i + 1} of two loops share run_id ${r}`);
    });
  }
  return problems;
}
