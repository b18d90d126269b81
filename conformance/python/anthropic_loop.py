"""The agent loop of the scripts that drive the anthropic client directly:
the same two calls as openai_loop.py, in the Messages API's shapes, blocking
or streaming (the raw event stream of messages.create(stream=True))."""

import json

from common import QUESTION, WEATHER_TOOL, weather_of

MODEL = "claude-sonnet-4-5"
TOOLS = [
    {
        "name": WEATHER_TOOL["function"]["name"],
        "description": WEATHER_TOOL["function"]["description"],
        "input_schema": WEATHER_TOOL["function"]["parameters"],
    }
]


def _create(client, messages, stream):
    """The assistant's content blocks, as dicts the next request can carry."""
    request = {"model": MODEL, "max_tokens": 256, "messages": messages, "tools": TOOLS}
    if not stream:
        return [b.model_dump(exclude_none=True) for b in client.messages.create(**request).content]
    content = []
    partial = {}
    for event in client.messages.create(**request, stream=True):
        if event.type == "content_block_start":
            content.append(event.content_block.model_dump(exclude_none=True))
            partial[event.index] = ""
        elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
            partial[event.index] += event.delta.partial_json
        elif event.type == "content_block_delta" and event.delta.type == "text_delta":
            content[event.index]["text"] += event.delta.text
    for i, block in enumerate(content):
        if block["type"] == "tool_use":
            block["input"] = json.loads(partial[i] or "{}")
    return content


def weather_loop(client, stream):
    """Runs one loop and returns the answer; raises if it does not end."""
    messages = [{"role": "user", "content": QUESTION}]
    for _ in range(4):
        content = _create(client, messages, stream)
        messages.append({"role": "assistant", "content": content})
        uses = [b for b in content if b["type"] == "tool_use"]
        if not uses:
            return "".join(b.get("text", "") for b in content)
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": u["id"], "content": weather_of(u["input"]["city"])}
                    for u in uses
                ],
            }
        )
    raise RuntimeError("the agent loop did not end")
