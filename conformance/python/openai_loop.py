"""The agent loop of the scripts that drive the openai client directly: ask,
run the tool the model called, send its result back, get the answer. Two
model calls per loop, blocking or streaming (with include_usage)."""

import json

from common import MODEL, QUESTION, WEATHER_TOOL, weather_of


def _complete(client, messages, stream):
    request = {"model": MODEL, "messages": messages, "tools": [WEATHER_TOOL]}
    if not stream:
        message = client.chat.completions.create(**request).choices[0].message
        out = {"role": "assistant", "content": message.content}
        if message.tool_calls:
            out["tool_calls"] = [
                {"id": t.id, "type": "function", "function": {"name": t.function.name, "arguments": t.function.arguments}}
                for t in message.tool_calls
            ]
        return out
    out = {"role": "assistant", "content": "", "tool_calls": []}
    chunks = client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
    for chunk in chunks:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        if delta.content:
            out["content"] += delta.content
        for t in delta.tool_calls or []:
            while len(out["tool_calls"]) <= t.index:
                out["tool_calls"].append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
            call = out["tool_calls"][t.index]
            call["id"] = call["id"] or t.id
            if t.function and t.function.name:
                call["function"]["name"] += t.function.name
            if t.function and t.function.arguments:
                call["function"]["arguments"] += t.function.arguments
    if not out["tool_calls"]:
        del out["tool_calls"]
    return out


def weather_loop(client, stream):
    """Runs one loop and returns the answer; raises if it does not end."""
    messages = [{"role": "user", "content": QUESTION}]
    for _ in range(4):
        message = _complete(client, messages, stream)
        messages.append(message)
        if not message.get("tool_calls"):
            return message["content"]
        for call in message["tool_calls"]:
            city = json.loads(call["function"]["arguments"])["city"]
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": weather_of(city)})
    raise RuntimeError("the agent loop did not end")
