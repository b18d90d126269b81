"""What every Python conformance script shares: the OpenTelemetry SDK set up
as an application would (a global tracer provider batching spans to the
collector over OTLP/HTTP), the weather tool, and the user's own invoke_agent
span. The runner (conformance/run.mjs) passes the collector endpoint, the
fake server's URL and the service name in the environment.

When CONFORMANCE_CAPTURE names a file, every span is also written there at
shutdown as OTLP/JSON (one ExportTraceServiceRequest, ids in hex), so that a
recogniser can be checked against what the library really sent.
"""

import base64
import json
import os
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

MODEL = "gpt-4o-mini"
QUESTION = "What is the weather in Paris?"


def env(name):
    """The value of an environment variable the runner sets; raises if unset."""
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set: run this script through conformance/run.mjs")
    return value


def fake_url():
    """The fake model server's base URL, such as http://127.0.0.1:40123."""
    return env("CONFORMANCE_FAKE_URL")


def service():
    return env("CONFORMANCE_SERVICE")


def otlp_endpoint():
    """The collector's OTLP/HTTP base URL (no /v1/traces)."""
    return env("CONFORMANCE_OTLP")


class _Capture(SpanExporter):
    """Keeps every span and writes them as OTLP/JSON at shutdown."""

    def __init__(self, path):
        self.path = path
        self.spans = []

    def export(self, spans):
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self):
        from google.protobuf.json_format import MessageToDict
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        request = MessageToDict(encode_spans(self.spans))
        _hex_ids(request)
        with open(self.path, "w") as f:
            json.dump(request, f, indent=1, sort_keys=True)
            f.write("\n")


def _hex_ids(node):
    # OTLP/JSON writes trace and span ids as hex, protobuf's JSON as base64.
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                _hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids(item)


def add_capture(provider):
    """Adds the OTLP/JSON capture to a tracer provider when the runner asks
    for it (CONFORMANCE_CAPTURE); its file is written at shutdown."""
    capture = os.environ.get("CONFORMANCE_CAPTURE")
    if capture:
        provider.add_span_processor(SimpleSpanProcessor(_Capture(capture)))


def start_tracing(set_global=True):
    """Creates the tracer provider (and registers it globally unless told
    not to) and returns it; call its shutdown() before exiting."""
    provider = TracerProvider(resource=Resource.create({"service.name": service()}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint()}/v1/traces")))
    add_capture(provider)
    if set_global:
        trace.set_tracer_provider(provider)
    return provider


def weather_of(city):
    """What the get_weather tool answers."""
    return f"{city}: sunny, 21 C"


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@contextmanager
def agent_span(agent, conversation):
    """The invoke_agent span a user wraps around an agent loop when the
    instrumentation records only the model calls. Its made-up aggregate
    usage must never become a step."""
    tracer = trace.get_tracer("conformance")
    attributes = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent,
        "gen_ai.conversation.id": conversation,
        "gen_ai.usage.input_tokens": 99999,
        "gen_ai.usage.output_tokens": 9999,
    }
    with tracer.start_as_current_span(f"invoke_agent {agent}", attributes=attributes) as span:
        yield span
