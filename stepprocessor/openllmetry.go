package stepprocessor

// Stub: replaced by the real recogniser.
type openllmetryRecogniser struct{}

func newOpenLLMetry(ix *keyIndex) *openllmetryRecogniser { return &openllmetryRecogniser{} }

func (*openllmetryRecogniser) name() string { return "openllmetry" }

func (*openllmetryRecogniser) recognise(f *spanFacts, out *finding) bool { return false }
