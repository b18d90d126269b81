package stepprocessor

// Stub: replaced by the real recogniser.
type vercelRecogniser struct{}

func newVercel(ix *keyIndex) *vercelRecogniser { return &vercelRecogniser{} }

func (*vercelRecogniser) name() string { return "vercel" }

func (*vercelRecogniser) recognise(f *spanFacts, out *finding) bool { return false }
