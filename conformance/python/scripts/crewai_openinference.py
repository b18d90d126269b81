"""A one-agent CrewAI crew on crewai's OpenAI LLM, traced by
openinference-instrumentation-crewai with -openai for the model calls (and
-litellm, in case crewai routes the call through LiteLLM): one tool, run
blocking and then streaming (LLM(stream=True)). CrewAI's own telemetry and
tracing are off."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

os.environ.update({"CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_TRACING_ENABLED": "false", "OPENAI_API_KEY": "fake",
                   "CREWAI_STORAGE_DIR": os.environ.get("TMPDIR", "/tmp")})
provider = start_tracing()

from openinference.instrumentation.crewai import CrewAIInstrumentor  # noqa: E402
from openinference.instrumentation.litellm import LiteLLMInstrumentor  # noqa: E402
from openinference.instrumentation.openai import OpenAIInstrumentor  # noqa: E402

CrewAIInstrumentor().instrument(tracer_provider=provider)
OpenAIInstrumentor().instrument(tracer_provider=provider)
LiteLLMInstrumentor().instrument(tracer_provider=provider)

from crewai import LLM, Agent, Crew, Task  # noqa: E402
from crewai.tools import tool  # noqa: E402


@tool("get_weather")
def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


for stream in (False, True):
    llm = LLM(model=MODEL, base_url=f"{fake_url()}/v1", api_key="fake", stream=stream)
    forecaster = Agent(role="weather-agent", goal="Tell the weather", backstory="A forecaster.", llm=llm,
                       tools=[get_weather], max_iter=3, verbose=False)
    task = Task(description=QUESTION, expected_output="The weather", agent=forecaster)
    answer = str(Crew(agents=[forecaster], tasks=[task], verbose=False).kickoff())
    assert "sunny" in answer, answer
provider.shutdown()
