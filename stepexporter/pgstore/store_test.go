package pgstore

import (
	"testing"

	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

func TestPostgresStoreMeetsTheStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, store.Reader) {
		s := openFresh(t)
		return s, s
	})
}

func TestPostgresStoreMeetsTheStepReaderContract(t *testing.T) {
	storetest.RunList(t, func(t *testing.T) (store.Store, store.StepReader) {
		s := openFresh(t)
		return s, s
	})
}
