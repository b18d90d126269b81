"""Logfire, set up as its docs say for a backend other than its own:
logfire.configure(send_to_logfire=False) with the standard OTLP exporter
variable, and logfire.instrument_openai(client); the loop runs inside an
invoke_agent span of the user's own (logfire.configure sets the global
tracer provider, which common.agent_span uses)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import add_capture, agent_span, fake_url, otlp_endpoint, service  # noqa: E402

# logfire 5.4.0 (_internal/config.py) adds BatchSpanProcessor(OTLPSpanExporter())
# when OTEL_EXPORTER_OTLP_ENDPOINT or _TRACES_ENDPOINT is set; the traces one
# alone (a full URL), so that no metrics or logs exporter is added: the
# collector takes traces only.
os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = f"{otlp_endpoint()}/v1/traces"

import logfire  # noqa: E402


class _Processors(list):
    """Takes the capture's span processor for additional_span_processors."""

    add_span_processor = list.append


capture = _Processors()
add_capture(capture)
logfire.configure(
    send_to_logfire=False,
    service_name=service(),
    console=False,
    metrics=False,
    additional_span_processors=capture,
)

from openai import OpenAI  # noqa: E402
from openai_loop import weather_loop  # noqa: E402

client = OpenAI(base_url=f"{fake_url()}/v1", api_key="fake")
logfire.instrument_openai(client)
for stream in (False, True):
    with agent_span("weather-agent", f"conv-logfire-openai-{'stream' if stream else 'block'}"):
        assert "sunny" in weather_loop(client, stream)
logfire.shutdown()
