"""OpenLIT, set up as its docs say: openlit.init() builds the tracer provider
and its OTLP exporter, and patches the openai client; the loop runs inside
an invoke_agent span of the user's own.

openlit.init fetches its pricing file from GitHub, which fails here as it
does for an air-gapped user: it then writes gen_ai.usage.cost 0 on every
call."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import add_capture, agent_span, fake_url, otlp_endpoint, service  # noqa: E402

import openlit  # noqa: E402
from opentelemetry import trace  # noqa: E402

# The endpoint is the OTLP/HTTP base URL: OpenLIT sets it as
# OTEL_EXPORTER_OTLP_ENDPOINT, and the exporter appends /v1/traces. Metrics
# and events (OTLP logs) off: the collector takes traces only. Batching
# stays on, as a user has it; shutdown() below flushes it.
openlit.init(
    otlp_endpoint=otlp_endpoint(),
    service_name=service(),
    disable_metrics=True,
    disable_events=True,
)
provider = trace.get_tracer_provider()
add_capture(provider)

from openai import OpenAI  # noqa: E402
from openai_loop import weather_loop  # noqa: E402

client = OpenAI(base_url=f"{fake_url()}/v1", api_key="fake")
for stream in (False, True):
    with agent_span("weather-agent", f"conv-openlit-{'stream' if stream else 'block'}"):
        assert "sunny" in weather_loop(client, stream)
provider.shutdown()
