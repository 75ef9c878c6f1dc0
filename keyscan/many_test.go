package keyscan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestManyScansDefaultMaxStartups: 500 scans of one sshd with its default
// MaxStartups 10:30:100 all find the key, thanks to the per-host limit and
// the retries of connections dropped before the banner. (ssh-keyscan loses
// more than half of 200 such scans.)
func TestManyScansDefaultMaxStartups(t *testing.T) {
	if testing.Short() {
		t.Skip("500 real key exchanges; skipped with -short")
	}
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	targets := make([]Target, 500)
	for i := range targets {
		targets[i] = Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port}
	}
	start := time.Now()
	found, failed := 0, 0
	err := (&Scanner{Timeout: 20 * time.Second}).Scan(context.Background(), targets, func(r *Result) {
		if len(r.Keys) == 1 && string(r.Keys[0].Key.Marshal()) == string(srv.Keys[0].Marshal()) {
			found++
		} else {
			failed++
			if failed < 5 {
				t.Errorf("%v", r.Err())
			}
		}
	})
	require.NoError(t, err)
	assert.Equal(t, 500, found)
	t.Logf("500 scans in %v; sshd dropped %d connections past MaxStartups (retried)",
		time.Since(start), strings.Count(srv.Log(), "past MaxStartups"))
}
