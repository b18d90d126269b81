"""smolagents' ToolCallingAgent on OpenAIServerModel, traced by
openinference-instrumentation-smolagents: one tool, run blocking and then
streaming (stream_outputs=True)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from openinference.instrumentation.smolagents import SmolagentsInstrumentor  # noqa: E402

SmolagentsInstrumentor().instrument(tracer_provider=provider)

from smolagents import OpenAIServerModel, ToolCallingAgent, tool  # noqa: E402


@tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name
    """
    return weather_of(city)


model = OpenAIServerModel(model_id=MODEL, api_base=f"{fake_url()}/v1", api_key="fake")
for stream in (False, True):
    agent = ToolCallingAgent(tools=[get_weather], model=model, name="weather_agent", stream_outputs=stream, max_steps=3)
    print(agent.run(QUESTION))
provider.shutdown()
