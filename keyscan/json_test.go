package keyscan

import (
	"encoding/json"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// TestResultJSON pins the JSON form of a Result (the schema of
// hostkeys scan --json).
func TestResultJSON(t *testing.T) {
	key := parseKey(t, edKey)
	ca := parseKey(t, edKey)
	cert := &ssh.Certificate{Key: key, Serial: 7, CertType: ssh.HostCert, KeyId: "web1",
		ValidPrincipals: []string{"web1"}, ValidAfter: 0, ValidBefore: ssh.CertTimeInfinity, SignatureKey: ca}
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := &Result{
		Target: Target{Hosts: []string{"192.0.2.1", "192.0.2.2"}, Names: []string{"web1"}, Port: 2222},
		Port:   2222, Host: "192.0.2.2", Addr: "192.0.2.2:2222", Banner: "SSH-2.0-OpenSSH_9.2p1",
		Keys: []Key{
			{Type: Ed25519, Algorithm: "ssh-ed25519", Key: key, Addr: "192.0.2.2:2222", Banner: "SSH-2.0-OpenSSH_9.2p1",
				KeyExchange: "curve25519-sha256", Duration: 12500 * time.Microsecond},
			{Type: Ed25519, Algorithm: "ssh-ed25519-cert-v01@openssh.com", Key: cert, Cert: cert, Addr: "192.0.2.2:2222",
				Banner: "SSH-2.0-OpenSSH_9.2p1", KeyExchange: "curve25519-sha256", Duration: 13 * time.Millisecond},
		},
		NotOffered: []KeyType{ECDSASK},
		Errors: []error{&Error{Kind: Refused, Stage: StageConnect, Addr: "192.0.2.1:2222", Elapsed: time.Millisecond,
			Attempts: 1, Err: syscall.ECONNREFUSED}, errors.New("other")},
		Negotiated: &Negotiated{KeyExchange: "curve25519-sha256", HostKey: "ssh-ed25519",
			CipherClientServer: "aes128-gcm@openssh.com", CipherServerClient: "aes128-gcm@openssh.com",
			CompressionCS: "none", CompressionSC: "none"},
		Start: start, Duration: 40 * time.Millisecond,
	}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	const edBlob = "AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y"
	const fp = "SHA256:o8V+UqEzp9ZaBrJVm1N/oTH2kXpEobW1OK1fJACa3s4" // SSHFP 4 2 a3c57e52... in research/keyscan.md
	want := `{"target":"[192.0.2.1]:2222,[192.0.2.2]:2222 web1","names":["web1"],"port":2222,` +
		`"host":"192.0.2.2","addr":"192.0.2.2:2222","banner":"SSH-2.0-OpenSSH_9.2p1","keys":[` +
		`{"type":"ed25519","algorithm":"ssh-ed25519","key":"ssh-ed25519 ` + edBlob + `","fingerprint":"` + fp + `","bits":256,` +
		`"addr":"192.0.2.2:2222","banner":"SSH-2.0-OpenSSH_9.2p1","kex":"curve25519-sha256","duration_ms":12.5},` +
		`{"type":"ed25519","algorithm":"ssh-ed25519-cert-v01@openssh.com","key":"` + authorized(cert) + `","fingerprint":"` + fp + `","bits":256,` +
		`"certificate":{"key_id":"web1","serial":7,"principals":["web1"],"valid_after":"1970-01-01T00:00:00Z","valid_before":"0001-01-01T00:00:00Z","forever":true,` +
		`"ca_key":"ssh-ed25519 ` + edBlob + `","ca_fingerprint":"` + fp + `","signed_key":"ssh-ed25519 ` + edBlob + `"},` +
		`"addr":"192.0.2.2:2222","banner":"SSH-2.0-OpenSSH_9.2p1","kex":"curve25519-sha256","duration_ms":13}],` +
		`"not_offered":["ecdsa-sk"],` +
		`"errors":[{"kind":"refused","stage":"connect","addr":"192.0.2.1:2222","elapsed_ms":1,"attempts":1,` +
		`"message":"keyscan: 192.0.2.1:2222: refused during connect after 1ms: connection refused"},` +
		`{"elapsed_ms":0,"message":"other"}],` +
		`"negotiated":{"kex":"curve25519-sha256","hostkey":"ssh-ed25519","cipher_client_server":"aes128-gcm@openssh.com",` +
		`"cipher_server_client":"aes128-gcm@openssh.com","compression_client_server":"none","compression_server_client":"none"},` +
		`"start":"2026-11-25T12:00:00Z","duration_ms":40,"ok":true}`
	assert.JSONEq(t, want, string(b))
}
