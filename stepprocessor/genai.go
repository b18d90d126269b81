package stepprocessor

// Stub: replaced by the real recogniser.
type genaiRecogniser struct{}

func newGenAI(ix *keyIndex) *genaiRecogniser { return &genaiRecogniser{} }

func (*genaiRecogniser) name() string { return "genai" }

func (*genaiRecogniser) recognise(f *spanFacts, out *finding) bool { return false }
