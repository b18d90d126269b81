"""OpenLLMetry (Traceloop) for Python: its Anthropic instrumentation
(opentelemetry-instrumentation-anthropic, without traceloop-sdk) with the
anthropic client, inside an invoke_agent span of the user's own.

anthropic 2.x traces its own calls too (scope com.anthropic.sdk.python),
beneath the instrumentation's span; with CONFORMANCE_SDK_TRACES=off the
client is built with open_telemetry=False, and the instrumentation's span is
the only model-call span."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import agent_span, fake_url, service, start_tracing  # noqa: E402

provider = start_tracing()

from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor  # noqa: E402

AnthropicInstrumentor().instrument(tracer_provider=provider)

from anthropic import Anthropic  # noqa: E402
from anthropic_loop import weather_loop  # noqa: E402

sdk_traces = os.environ.get("CONFORMANCE_SDK_TRACES") != "off"
client = Anthropic(base_url=fake_url(), api_key="fake", **({} if sdk_traces else {"open_telemetry": False}))
for stream in (False, True):
    with agent_span("weather-agent", f"conv-{service()}-{'stream' if stream else 'block'}"):
        assert "sunny" in weather_loop(client, stream)
provider.shutdown()
