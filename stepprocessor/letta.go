package stepprocessor

// Stub: replaced by the real recogniser.
type lettaRecogniser struct{}

func newLetta(ix *keyIndex) *lettaRecogniser { return &lettaRecogniser{} }

func (*lettaRecogniser) name() string { return "letta" }

func (*lettaRecogniser) recognise(f *spanFacts, out *finding) bool { return false }
