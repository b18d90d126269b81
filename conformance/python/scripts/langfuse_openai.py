"""The Langfuse Python SDK as its docs set it up: the keys and host in the
environment, get_client() building its own tracer provider and its
LangfuseSpanProcessor (OTLP/HTTP), langfuse.openai's drop-in OpenAI client,
each agent loop in an `agent` observation, and the session and user
propagated to every span.

The host is the collector: LANGFUSE_BASE_URL is its OTLP/HTTP base URL and
LANGFUSE_OTEL_TRACES_EXPORT_PATH replaces Langfuse's /api/public/otel/v1/traces
with the receiver's v1/traces. So the spans leave through the SDK's own
exporter (its export filter, Basic auth headers and gzip), as they would
reach Langfuse."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import add_capture, fake_url, otlp_endpoint, service  # noqa: E402

os.environ.update(
    LANGFUSE_PUBLIC_KEY="pk-lf-fake",
    LANGFUSE_SECRET_KEY="sk-lf-fake",
    LANGFUSE_BASE_URL=otlp_endpoint(),
    LANGFUSE_OTEL_TRACES_EXPORT_PATH="v1/traces",
    # The provider get_client() creates takes service.name from here.
    OTEL_SERVICE_NAME=service(),
)

from langfuse import get_client, propagate_attributes  # noqa: E402
from langfuse.openai import OpenAI  # noqa: E402
from opentelemetry import trace  # noqa: E402

langfuse = get_client()
# get_client() registered its tracer provider globally (there was none).
provider = trace.get_tracer_provider()
add_capture(provider)

from openai_loop import weather_loop  # noqa: E402

client = OpenAI(base_url=f"{fake_url()}/v1", api_key="fake")
for stream in (False, True):
    mode = "stream" if stream else "block"
    with propagate_attributes(session_id=f"conv-langfuse-py-{mode}", user_id="user-7"):
        with langfuse.start_as_current_observation(as_type="agent", name="weather-agent"):
            assert "sunny" in weather_loop(client, stream)
langfuse.shutdown()
provider.shutdown()
