"""Google ADK with its own tracing on the global tracer provider: an
LlmAgent on Gemini (google-genai pointed at the fake generateContent
endpoint), one tool, run blocking and then streaming (StreamingMode.SSE),
each in a session of its own."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

os.environ.update({"GOOGLE_API_KEY": "fake", "GOOGLE_GENAI_USE_VERTEXAI": "false", "GOOGLE_GEMINI_BASE_URL": fake_url()})
provider = start_tracing()

from google.adk.agents import LlmAgent  # noqa: E402
from google.adk.agents.run_config import RunConfig, StreamingMode  # noqa: E402
from google.adk.runners import InMemoryRunner  # noqa: E402
from google.genai import types  # noqa: E402

GEMINI = "gemini-2.5-flash"


def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


async def main():
    agent = LlmAgent(name="weather_agent", model=GEMINI, instruction="Answer with the weather tool.", tools=[get_weather])
    runner = InMemoryRunner(agent=agent, app_name="weather")
    for mode in (StreamingMode.NONE, StreamingMode.SSE):
        session = await runner.session_service.create_session(
            app_name="weather", user_id="user-1", session_id=f"conv-adk-{'stream' if mode == StreamingMode.SSE else 'block'}")
        text = ""
        async for event in runner.run_async(user_id="user-1", session_id=session.id,
                                            new_message=types.Content(role="user", parts=[types.Part(text=QUESTION)]),
                                            run_config=RunConfig(streaming_mode=mode)):
            if event.content and event.content.parts and not event.partial:
                text += "".join(p.text or "" for p in event.content.parts)
        assert "sunny" in text, text


asyncio.run(main())
provider.shutdown()
