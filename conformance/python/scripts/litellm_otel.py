"""LiteLLM's OpenTelemetry callback (litellm.callbacks = ["otel"]) with
litellm.completion(model="openai/...", api_base=the fake server), driven by
the openai loop inside an invoke_agent span of the user's own.

An application with spans of its own sets up its tracer provider first; the
callback then uses that global SDK provider (litellm 1.110.2,
integrations/opentelemetry.py _get_or_create_provider) and its
OTEL_EXPORTER / OTEL_ENDPOINT variables, which build a provider when none is
set, are not read. Set up the other way round, the user's first span would
start before litellm sets the global provider and be lost."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import agent_span, fake_url, start_tracing  # noqa: E402

provider = start_tracing()

# Its model cost map comes from GitHub at import unless told to use the
# copy in the package; the copy is what an air-gapped user gets anyway,
# and it saves the wait for the fetch to fail here.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import litellm  # noqa: E402
from litellm.litellm_core_utils.thread_pool_executor import executor  # noqa: E402

litellm.callbacks = ["otel"]

from openai_loop import weather_loop  # noqa: E402


class _LiteLLMClient:
    """The openai client's chat.completions.create, answered by
    litellm.completion against the fake server (litellm's openai/ prefix)."""

    def __init__(self):
        self.chat = self
        self.completions = self

    def create(self, model, **request):
        return litellm.completion(model=f"openai/{model}", api_base=f"{fake_url()}/v1", api_key="fake", **request)


client = _LiteLLMClient()
for stream in (False, True):
    with agent_span("weather-agent", f"conv-litellm-otel-{'stream' if stream else 'block'}"):
        assert "sunny" in weather_loop(client, stream)
# A stream's success callbacks, the otel one among them, run on litellm's
# logging thread pool after the last chunk (streaming_handler.py
# executor.submit): let them end their spans before the provider's last
# export.
executor.shutdown(wait=True)
provider.shutdown()
