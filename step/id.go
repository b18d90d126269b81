package step

import (
	"crypto/sha256"
	"encoding/hex"
)

// IDPrefix is Letta's PrimitiveType.STEP prefix.
const IDPrefix = "step-"

// DeriveID gives a step that Letta did not name an id in Letta's format,
// "step-" and a UUID of version 4 shape, made from its trace id and span id.
// The same span always gets the same id, so redelivery, restarts and several
// collector instances never create a second record for one step.
func DeriveID(traceID [16]byte, spanID [8]byte) string {
	return deriveUUID(IDPrefix, traceID, spanID)
}

// DeriveRunID names the run of an agent invocation that has no run id of
// its own ("run-" and a UUID), from the invocation span's trace and span id.
func DeriveRunID(traceID [16]byte, spanID [8]byte) string {
	return deriveUUID("run-", traceID, spanID)
}

func deriveUUID(prefix string, traceID [16]byte, spanID [8]byte) string {
	var in [24]byte
	copy(in[:16], traceID[:])
	copy(in[16:], spanID[:])
	sum := sha256.Sum256(in[:])
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], u[10:16])
	return prefix + string(out[:])
}

// ValidID reports whether id has Letta's step id shape:
// ^step-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$.
func ValidID(id string) bool {
	if len(id) != 41 || id[:5] != IDPrefix {
		return false
	}
	u := id[5:]
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
			continue
		case 14:
			if c != '4' {
				return false
			}
		case 19:
			if c != '8' && c != '9' && c != 'a' && c != 'b' {
				return false
			}
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
