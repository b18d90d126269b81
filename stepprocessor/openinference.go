package stepprocessor

// Stub: replaced by the real recogniser.
type openinferenceRecogniser struct{}

func newOpenInference(ix *keyIndex) *openinferenceRecogniser { return &openinferenceRecogniser{} }

func (*openinferenceRecogniser) name() string { return "openinference" }

func (*openinferenceRecogniser) recognise(f *spanFacts, out *finding) bool { return false }
