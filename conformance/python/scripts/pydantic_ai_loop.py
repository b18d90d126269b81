"""pydantic-ai with its own instrumentation (Agent.instrument_all()): an
agent with one tool, run blocking and then streaming against the fake
OpenAI server. pydantic-ai records the invoke_agent span itself."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

model = OpenAIChatModel(MODEL, provider=OpenAIProvider(base_url=f"{fake_url()}/v1", api_key="fake"))
Agent.instrument_all()  # its documented switch: every agent traces to the global provider
agent = Agent(model, name="weather-agent")


@agent.tool_plain
def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


async def main():
    result = await agent.run(QUESTION, conversation_id="conv-pydantic-ai-block")
    assert "sunny" in result.output, result.output
    async with agent.run_stream(QUESTION, conversation_id="conv-pydantic-ai-stream") as streamed:
        text = "".join([chunk async for chunk in streamed.stream_text(delta=True)])
    assert "sunny" in text, text


asyncio.run(main())
provider.shutdown()
