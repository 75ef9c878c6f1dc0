package keyscan

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/hostkeys/hostkeys/fingerprint"
	"golang.org/x/crypto/ssh"
)

// The JSON form of a Result, one object per target (see MarshalJSON).
type jsonResult struct {
	Target     string      `json:"target"`
	Names      []string    `json:"names"`
	Port       int         `json:"port"`
	Host       string      `json:"host,omitempty"`
	Addr       string      `json:"addr,omitempty"`
	Banner     string      `json:"banner,omitempty"`
	Keys       []jsonKey   `json:"keys"`
	NotOffered []KeyType   `json:"not_offered,omitempty"`
	Errors     []jsonError `json:"errors,omitempty"`
	KexInit    *KexInit    `json:"kexinit,omitempty"`
	Negotiated *Negotiated `json:"negotiated,omitempty"`
	Start      time.Time   `json:"start"`
	DurationMS float64     `json:"duration_ms"`
	OK         bool        `json:"ok"`
}

type jsonKey struct {
	Type        KeyType   `json:"type"`
	Algorithm   string    `json:"algorithm"`
	Key         string    `json:"key"`
	Fingerprint string    `json:"fingerprint"`
	Bits        int       `json:"bits"`
	Cert        *jsonCert `json:"certificate,omitempty"`
	Addr        string    `json:"addr"`
	Banner      string    `json:"banner"`
	KeyExchange string    `json:"kex,omitempty"`
	DurationMS  float64   `json:"duration_ms"`
}

type jsonCert struct {
	KeyID         string    `json:"key_id"`
	Serial        uint64    `json:"serial"`
	Principals    []string  `json:"principals"`
	ValidAfter    time.Time `json:"valid_after"`
	ValidBefore   time.Time `json:"valid_before"`
	Forever       bool      `json:"forever,omitempty"`
	CAKey         string    `json:"ca_key"`
	CAFingerprint string    `json:"ca_fingerprint"`
	SignedKey     string    `json:"signed_key"`
}

type jsonError struct {
	Kind      Kind    `json:"kind,omitempty"`
	Stage     Stage   `json:"stage,omitempty"`
	Addr      string  `json:"addr,omitempty"`
	KeyType   KeyType `json:"key_type,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms"`
	Attempts  int     `json:"attempts,omitempty"`
	Message   string  `json:"message"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func authorized(k ssh.PublicKey) string {
	return strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(k)), "\n")
}

// MarshalJSON writes the result as one JSON object: the target and its
// names, the address that answered, the banner, every verified key (with
// SHA-256 fingerprint, bits, and certificate details: key ID, principals,
// validity, CA key), the types not offered, every error with its kind and
// stage, the server's KEXINIT lists, the negotiated algorithms and timings.
func (r *Result) MarshalJSON() ([]byte, error) {
	j := jsonResult{
		Target: r.Target.String(), Names: r.Target.OutputNames(), Port: r.Port,
		Host: r.Host, Addr: r.Addr, Banner: r.Banner, Keys: []jsonKey{},
		NotOffered: r.NotOffered, KexInit: r.KexInit, Negotiated: r.Negotiated,
		Start: r.Start, DurationMS: ms(r.Duration), OK: len(r.Keys) > 0,
	}
	for _, k := range r.Keys {
		jk := jsonKey{Type: k.Type, Algorithm: k.Algorithm, Key: authorized(k.Key),
			Fingerprint: fingerprint.Of(k.Key, fingerprint.SHA256).String(),
			Bits:        fingerprint.Bits(k.Key), Addr: k.Addr, Banner: k.Banner,
			KeyExchange: k.KeyExchange, DurationMS: ms(k.Duration)}
		if c := k.Cert; c != nil {
			jc := &jsonCert{KeyID: c.KeyId, Serial: c.Serial, Principals: c.ValidPrincipals,
				CAKey:         authorized(c.SignatureKey),
				CAFingerprint: fingerprint.Of(c.SignatureKey, fingerprint.SHA256).String(),
				SignedKey:     authorized(c.Key),
				Forever:       c.ValidBefore == ssh.CertTimeInfinity,
			}
			if jc.Principals == nil {
				jc.Principals = []string{}
			}
			jc.ValidAfter = time.Unix(int64(min(c.ValidAfter, 1<<62)), 0).UTC()
			if !jc.Forever {
				jc.ValidBefore = time.Unix(int64(min(c.ValidBefore, 1<<62)), 0).UTC()
			}
			jk.Cert = jc
		}
		j.Keys = append(j.Keys, jk)
	}
	for _, err := range r.Errors {
		je := jsonError{Message: err.Error()}
		var e *Error
		if errors.As(err, &e) {
			je.Kind, je.Stage, je.Addr, je.KeyType, je.ElapsedMS, je.Attempts = e.Kind, e.Stage, e.Addr, e.KeyType, ms(e.Elapsed), e.Attempts
		}
		j.Errors = append(j.Errors, je)
	}
	return json.Marshal(j)
}
