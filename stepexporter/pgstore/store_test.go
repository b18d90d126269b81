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
