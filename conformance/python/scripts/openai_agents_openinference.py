"""openai-agents on the Chat Completions API, traced by
openinference-instrumentation-openai-agents as the only trace processor (so
nothing is sent to OpenAI's trace ingest): one agent with one tool, run
blocking and then streaming."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor  # noqa: E402

OpenAIAgentsInstrumentor().instrument(tracer_provider=provider, exclusive_processor=True)

from agents import Agent, ModelSettings, Runner, function_tool, set_default_openai_api, set_default_openai_client  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402

set_default_openai_client(AsyncOpenAI(base_url=f"{fake_url()}/v1", api_key="fake"), use_for_tracing=False)
set_default_openai_api("chat_completions")


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


# include_usage: the SDK asks for a stream's usage by default only from
# api.openai.com (ChatCmplHelpers.get_stream_options_param).
agent = Agent(name="weather-agent", model=MODEL, tools=[get_weather], model_settings=ModelSettings(include_usage=True))


async def main():
    result = await Runner.run(agent, QUESTION)
    assert "sunny" in result.final_output, result.final_output
    streamed = Runner.run_streamed(agent, QUESTION)
    async for _ in streamed.stream_events():
        pass
    assert "sunny" in streamed.final_output, streamed.final_output


asyncio.run(main())
provider.shutdown()
