package stepprocessor

// Stub: replaced by the real recogniser.
type pydanticaiRecogniser struct{}

func newPydanticAI(ix *keyIndex) *pydanticaiRecogniser { return &pydanticaiRecogniser{} }

func (*pydanticaiRecogniser) name() string { return "pydanticai" }

func (*pydanticaiRecogniser) recognise(f *spanFacts, out *finding) bool { return false }
