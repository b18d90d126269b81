"""OpenLLMetry (Traceloop) for Python: its OpenAI instrumentation
(opentelemetry-instrumentation-openai, without traceloop-sdk) with the
openai client, inside an invoke_agent span of the user's own."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import agent_span, fake_url, start_tracing  # noqa: E402

provider = start_tracing()

from opentelemetry.instrumentation.openai import OpenAIInstrumentor  # noqa: E402

OpenAIInstrumentor().instrument(tracer_provider=provider)

from openai import OpenAI  # noqa: E402
from openai_loop import weather_loop  # noqa: E402

client = OpenAI(base_url=f"{fake_url()}/v1", api_key="fake")
for stream in (False, True):
    with agent_span("weather-agent", f"conv-openllmetry-openai-{'stream' if stream else 'block'}"):
        assert "sunny" in weather_loop(client, stream)
provider.shutdown()
