"""A LlamaIndex FunctionAgent on llama-index-llms-openai, traced by
openinference-instrumentation-llama-index: one tool, run blocking
(streaming=False) and then streaming."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from openinference.instrumentation.llama_index import LlamaIndexInstrumentor  # noqa: E402

LlamaIndexInstrumentor().instrument(tracer_provider=provider)

from llama_index.core.agent.workflow import FunctionAgent  # noqa: E402
from llama_index.llms.openai import OpenAI  # noqa: E402


def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


async def main():
    llm = OpenAI(model=MODEL, api_base=f"{fake_url()}/v1", api_key="fake")
    for stream in (False, True):
        agent = FunctionAgent(name="weather_agent", tools=[get_weather], llm=llm, streaming=stream)
        answer = str(await agent.run(QUESTION))
        assert "sunny" in answer, answer


asyncio.run(main())
provider.shutdown()
