"""A dspy.ReAct agent with one tool over dspy.LM, traced by
openinference-instrumentation-dspy: run blocking and then streaming
(dspy.streamify), each in a session of its own and for one user
(OpenInference's using_attributes). With CONFORMANCE_DSPY_LITELLM=on the LM
runs on its litellm engine, traced by openinference-instrumentation-litellm
too; by default it runs on the engine dspy picks ("auto": lm15 for such a
request), and litellm is not called."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import MODEL, QUESTION, fake_url, service, start_tracing, weather_of  # noqa: E402

provider = start_tracing()

from openinference.instrumentation import using_attributes  # noqa: E402
from openinference.instrumentation.dspy import DSPyInstrumentor  # noqa: E402

DSPyInstrumentor().instrument(tracer_provider=provider)
litellm = os.environ.get("CONFORMANCE_DSPY_LITELLM") == "on"
if litellm:
    from openinference.instrumentation.litellm import LiteLLMInstrumentor

    LiteLLMInstrumentor().instrument(tracer_provider=provider)

import dspy  # noqa: E402


def get_weather(city: str) -> str:
    """The weather in a city."""
    return weather_of(city)


# cache=False: the second loop asks what the first did, and dspy would
# answer it from its cache without a call. track_usage: a stream asks for
# its usage (stream_options.include_usage) only then.
lm = dspy.LM(
    f"openai/{MODEL}", api_base=f"{fake_url()}/v1", api_key="fake", cache=False, engine="litellm" if litellm else "auto"
)
dspy.configure(lm=lm, track_usage=True)
agent = dspy.ReAct("question -> answer", tools=[get_weather], max_iters=3)

with using_attributes(session_id=f"conv-{service()}-block", user_id="user-7"):
    answer = agent(question=QUESTION).answer
assert "sunny" in answer, answer

with using_attributes(session_id=f"conv-{service()}-stream", user_id="user-7"):
    prediction = None
    for value in dspy.streamify(agent, async_streaming=False)(question=QUESTION):
        if isinstance(value, dspy.Prediction):
            prediction = value
assert "sunny" in prediction.answer, prediction
provider.shutdown()
