"""Semantic Kernel with its own GenAI spans (turned on by the runner's
SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS variables, read
when semantic_kernel is imported): an OpenAIChatCompletion service on an
AsyncOpenAI client pointed at the fake server, one plugin function, and
auto function calling, blocking and then streaming, each loop inside an
invoke_agent span of the user's own."""

import asyncio
import os
import sys
from typing import Annotated

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, agent_span, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from openai import AsyncOpenAI  # noqa: E402
from semantic_kernel import Kernel  # noqa: E402
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior  # noqa: E402
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion, OpenAIChatPromptExecutionSettings  # noqa: E402
from semantic_kernel.contents import ChatHistory  # noqa: E402
from semantic_kernel.functions import kernel_function  # noqa: E402


class Weather:
    @kernel_function(name="get_weather", description="The weather in a city")
    def get_weather(self, city: Annotated[str, "The city"]) -> str:
        return weather_of(city)


async def main():
    kernel = Kernel()
    kernel.add_plugin(Weather(), plugin_name="weather")
    chat = OpenAIChatCompletion(ai_model_id=MODEL, async_client=AsyncOpenAI(base_url=f"{fake_url()}/v1", api_key="fake"))
    settings = OpenAIChatPromptExecutionSettings(function_choice_behavior=FunctionChoiceBehavior.Auto())
    for stream in (False, True):
        history = ChatHistory()
        history.add_user_message(QUESTION)
        with agent_span("weather-agent", f"conv-semantic-kernel-{'stream' if stream else 'block'}"):
            if not stream:
                text = str(await chat.get_chat_message_content(history, settings, kernel=kernel))
            else:
                text = ""
                async for chunks in chat.get_streaming_chat_message_contents(history, settings, kernel=kernel):
                    text += "".join(str(c) for c in chunks)
        assert "sunny" in text, text


asyncio.run(main())
provider.shutdown()
