"""opentelemetry-instrumentation-google-genai, the contrib reference for
Google's google-genai SDK, with the client pointed at the fake Gemini
endpoint inside an invoke_agent span of the user's own: a function-call
loop (ask, run the function the model called, send its response back, get
the answer), blocking and then streaming."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import QUESTION, agent_span, fake_url, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor  # noqa: E402

GoogleGenAiSdkInstrumentor().instrument(tracer_provider=provider)

from google import genai  # noqa: E402
from google.genai import types  # noqa: E402

GEMINI = "gemini-2.5-flash"
# A declaration, not a Python callable: with a callable the SDK runs its own
# function-calling loop inside one generate_content, which is one span.
CONFIG = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="The weather in a city",
    parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]))])])


def ask(client, contents, stream):
    """One model call; returns the model's content, its streamed parts joined."""
    if not stream:
        return client.models.generate_content(model=GEMINI, contents=contents, config=CONFIG).candidates[0].content
    parts = []
    for chunk in client.models.generate_content_stream(model=GEMINI, contents=contents, config=CONFIG):
        if chunk.candidates and chunk.candidates[0].content:
            parts.extend(chunk.candidates[0].content.parts or [])
    return types.Content(role="model", parts=parts)


def weather_loop(client, stream):
    contents = [types.Content(role="user", parts=[types.Part(text=QUESTION)])]
    for _ in range(4):
        content = ask(client, contents, stream)
        contents.append(content)
        calls = [p.function_call for p in content.parts if p.function_call]
        if not calls:
            return "".join(p.text or "" for p in content.parts)
        contents.append(types.Content(role="user", parts=[
            types.Part.from_function_response(name=c.name, response={"result": weather_of(c.args["city"])}) for c in calls]))
    raise RuntimeError("the agent loop did not end")


client = genai.Client(api_key="fake", http_options=types.HttpOptions(base_url=fake_url()))
for stream in (False, True):
    with agent_span("weather-agent", f"conv-otel-google-genai-{'stream' if stream else 'block'}"):
        assert "sunny" in weather_loop(client, stream)
provider.shutdown()
