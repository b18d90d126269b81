"""traceloop-sdk (OpenLLMetry) as its docs set it up: Traceloop.init with
the collector as its OTLP endpoint, each agent loop in its @agent span.
CONFORMANCE_TRACELOOP_CLIENT picks the client its instrumentations patch:
openai (Chat Completions) or anthropic (Messages)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import QUESTION, add_capture, fake_url, otlp_endpoint, service, weather_of  # noqa: E402

from opentelemetry import trace  # noqa: E402
from traceloop.sdk import Traceloop  # noqa: E402
from traceloop.sdk.decorators import agent  # noqa: E402

client_kind = os.environ.get("CONFORMANCE_TRACELOOP_CLIENT", "openai")
# Traceloop.init makes and registers its own tracer provider.
Traceloop.init(app_name=service(), api_endpoint=otlp_endpoint(), disable_batch=True, telemetry_enabled=False)
provider = trace.get_tracer_provider()
add_capture(provider)

if client_kind == "openai":
    from openai import OpenAI

    from openai_loop import weather_loop

    client = OpenAI(base_url=f"{fake_url()}/v1", api_key="fake")
    loop = weather_loop
elif client_kind == "anthropic":
    from anthropic import Anthropic

    client = Anthropic(base_url=fake_url(), api_key="fake")

    TOOL = {"name": "get_weather", "description": "The weather in a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

    def loop(client, stream):
        messages = [{"role": "user", "content": QUESTION}]
        for _ in range(4):
            request = {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": messages, "tools": [TOOL]}
            if stream:
                with client.messages.stream(**request) as s:
                    message = s.get_final_message()
            else:
                message = client.messages.create(**request)
            messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in message.content]})
            uses = [b for b in message.content if b.type == "tool_use"]
            if not uses:
                return "".join(b.text for b in message.content if b.type == "text")
            messages.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": u.id, "content": weather_of(u.input["city"])} for u in uses]})
        raise RuntimeError("the agent loop did not end")
else:
    raise SystemExit(f"CONFORMANCE_TRACELOOP_CLIENT={client_kind}: want openai or anthropic")


@agent(name="weather-agent")
def run(stream):
    Traceloop.set_association_properties({"conversation_id": f"conv-{service().removeprefix('conformance-')}-{'stream' if stream else 'block'}"})
    return loop(client, stream)


for stream in (False, True):
    assert "sunny" in run(stream)
provider.shutdown()
