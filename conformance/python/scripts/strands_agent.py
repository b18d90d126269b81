"""Strands Agents with its own tracing on the global tracer provider: one
agent with one tool, run by agent() and then by stream_async(). Its OpenAI
model always streams (with include_usage); CONFORMANCE_STRANDS_MODEL=bedrock
runs BedrockModel against the fake Converse endpoint instead (streaming off,
since the fake does not speak Bedrock's binary event stream)."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, service, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from strands import Agent, tool  # noqa: E402

kind = os.environ.get("CONFORMANCE_STRANDS_MODEL", "openai")
if kind == "openai":
    from strands.models.openai import OpenAIModel

    model = OpenAIModel(client_args={"base_url": f"{fake_url()}/v1", "api_key": "fake"}, model_id=MODEL)
elif kind == "bedrock":
    # boto3 reads a service's endpoint from AWS_ENDPOINT_URL_<SERVICE>.
    os.environ.update({"AWS_ACCESS_KEY_ID": "fake", "AWS_SECRET_ACCESS_KEY": "fake", "AWS_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": fake_url()})
    from strands.models.bedrock import BedrockModel

    model = BedrockModel(model_id="us.anthropic.claude-sonnet-4-20250514-v1:0", streaming=False, region_name="us-east-1")
else:
    raise SystemExit(f"CONFORMANCE_STRANDS_MODEL={kind}: want openai or bedrock")


@tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name
    """
    return weather_of(city)


def agent(mode):
    return Agent(model=model, tools=[get_weather], name="weather-agent", callback_handler=None,
                 trace_attributes={"session.id": f"conv-{service().removeprefix('conformance-')}-{mode}"})


async def main():
    assert "sunny" in str(agent("block")(QUESTION))
    text = ""
    async for event in agent("stream").stream_async(QUESTION):
        text += event.get("data", "") if isinstance(event, dict) else ""
    assert "sunny" in text, text


asyncio.run(main())
provider.shutdown()
