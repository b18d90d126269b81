"""An agno Agent on OpenAIChat, traced by openinference-instrumentation-agno:
one tool, run blocking and then streaming, each run in a session of its
own and for one user."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from openinference.instrumentation.agno import AgnoInstrumentor  # noqa: E402

AgnoInstrumentor().instrument(tracer_provider=provider)

from agno.agent import Agent  # noqa: E402
from agno.models.openai import OpenAIChat  # noqa: E402


def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name
    """
    return weather_of(city)


model = OpenAIChat(id=MODEL, base_url=f"{fake_url()}/v1", api_key="fake")
# telemetry=False: agno would otherwise post each run to api.agno.com.
agent = Agent(name="weather-agent", model=model, tools=[get_weather], user_id="user-7", telemetry=False)
answer = agent.run(QUESTION, session_id="conv-agno-block").content
assert "sunny" in answer, answer
answer = "".join(e.content or "" for e in agent.run(QUESTION, stream=True, session_id="conv-agno-stream") if e.event == "RunContent")
assert "sunny" in answer, answer
provider.shutdown()
