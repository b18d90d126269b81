"""A LangGraph ReAct agent (langgraph.prebuilt.create_react_agent) on
langchain-openai's ChatOpenAI, one tool, run blocking and then streaming,
each with its own thread. CONFORMANCE_LANGCHAIN_TRACING picks the tracing:
  openinference  openinference-instrumentation-langchain
  langsmith      LangSmith's OpenTelemetry mode (LANGSMITH_OTEL_ENABLED,
                 LANGSMITH_OTEL_ONLY), on the global tracer provider"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, start_tracing, weather_of  # noqa: E402

tracing = os.environ.get("CONFORMANCE_LANGCHAIN_TRACING", "openinference")
if tracing == "langsmith":
    os.environ.update({
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_OTEL_ENABLED": "true",
        "LANGSMITH_OTEL_ONLY": "true",
        "LANGSMITH_API_KEY": "fake",
    })
provider = start_tracing()
if tracing == "openinference":
    from openinference.instrumentation.langchain import LangChainInstrumentor

    LangChainInstrumentor().instrument(tracer_provider=provider)
elif tracing != "langsmith":
    raise SystemExit(f"CONFORMANCE_LANGCHAIN_TRACING={tracing}: want openinference or langsmith")

from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402
from langgraph.prebuilt import create_react_agent  # noqa: E402


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


for stream in (False, True):
    llm = ChatOpenAI(model=MODEL, base_url=f"{fake_url()}/v1", api_key="fake", streaming=stream, stream_usage=True)
    agent = create_react_agent(llm, [get_weather], name="weather-agent")
    thread = f"conv-{os.environ['CONFORMANCE_SERVICE'].removeprefix('conformance-')}-{'stream' if stream else 'block'}"
    config = {"configurable": {"thread_id": thread}, "metadata": {"thread_id": thread}}
    request = {"messages": [("user", QUESTION)]}
    if stream:
        for _ in agent.stream(request, config, stream_mode="messages"):
            pass
    else:
        answer = agent.invoke(request, config)["messages"][-1].content
        assert "sunny" in answer, answer
if tracing == "langsmith":
    # LangSmith turns runs into spans on a background thread: wait for it,
    # as its docs say a script must before it exits.
    from langchain_core.tracers.langchain import wait_for_all_tracers

    wait_for_all_tracers()
provider.shutdown()
