// Package keyscan collects SSH host keys from live servers, as ssh-keyscan
// does, but verified, bounded and reported.
//
// # Scanning
//
// A [Scanner] with its zero value is ready to use:
//
//	targets, err := keyscan.ParseTarget("web1.example,192.0.2.10:2222 web1")
//	s := &keyscan.Scanner{Timeout: 5 * time.Second}
//	err = s.Scan(ctx, targets, func(r *keyscan.Result) {
//		for _, k := range r.Keys { ... }       // verified keys
//		for _, e := range r.Errors { ... }     // every failure, typed
//	})
//
// For each target the scanner connects to the first address that answers
// (trying the next one of an addrlist, and every address a name resolves
// to, when one is refused or times out). That first connection reads the
// server's KEXINIT, which lists the host-key algorithms it offers, and
// fetches one key. The other requested types that the server offers are
// then fetched in parallel, one connection each; types it does not offer
// cost nothing and are listed in [Result.NotOffered].
//
// # What a key means
//
// A key in [Result.Keys] has been proved: the server signed the exchange
// hash of the key exchange with it, and the signature verified, with the
// host-key algorithm negotiated (OpenSSH's rules for the key blob, so a
// certificate's CA signature must verify too). The connection ends there,
// before NEWKEYS and any authentication: the scanner's own client speaks
// the clear-text part of the transport (RFC 4253 sections 4 to 8), with
// every key exchange x/crypto offers (ML-KEM hybrid, Curve25519, NIST ECDH,
// the fixed and negotiated Diffie-Hellman groups) plus group18, and every
// host-key algorithm OpenSSH knows, ssh-dss included. (ssh-keyscan prints
// keys without checking the signature.) A scan still does not say that a
// key is the right one: deciding trust is the caller's business.
//
// # Failures
//
// Every failure is an *[Error] with a [Kind] (refused, timeout, closed by
// peer, no common algorithm, protocol error, ...) and the [Stage] it
// happened in; errors.Is(err, keyscan.Timeout) works. Nothing is dropped
// silently.
//
// # Limits
//
// Each connection has an absolute deadline ([Scanner.Timeout]) covering
// TCP connect, banner and key exchange, and reads at most
// [Scanner.MaxBytes]: a tarpit, a partial banner, an endless pre-banner
// stream or a stalled key exchange costs one deadline at most, in parallel
// with the other targets. A target has its own deadline
// ([Scanner.TargetTimeout], four connection deadlines by default) and tries
// at most [Scanner.MaxAddresses] addresses (8): a name that resolves to
// hundreds of silent addresses holds its worker for seconds, not hours,
// and the addresses left over are one error of kind [Skipped].
// [Scanner.Concurrency] bounds connections in all and [Scanner.PerHost] per
// address, by default under sshd's MaxStartups; connections closed before
// the banner are retried with backoff. [ReadTargets] bounds line length,
// file size and the number of targets ([TargetLimits]).
//
// # Proxies and jump hosts
//
// [Scanner.Dial] replaces the TCP connect. [SOCKS5Dialer] goes through a
// SOCKS5 proxy (ssh -D, Tor), and [DialJumpHosts] logs into SSH jump hosts
// as ssh -J does (agent keys, identity files, a deadline per hop), checking
// each jump host's key with the caller's HostKeyCallback; with either, host
// names are resolved on the far side:
//
//	s := &keyscan.Scanner{Dial: keyscan.SOCKS5Dialer("127.0.0.1:1080", nil)}
//
//	chain, err := keyscan.DialJumpHosts(ctx, &keyscan.JumpOptions{
//		Hosts:           []keyscan.JumpHost{{User: "me", Host: "bastion.example"}},
//		HostKeyCallback: db.HostKeyCallback(), // a knownhosts.DB
//		AgentSocket:     os.Getenv("SSH_AUTH_SOCK"),
//	})
//	if err != nil { ... } // a *JumpError: knownhosts' DB.Explain words a rejected key
//	defer chain.Close()
//	s = &keyscan.Scanner{Dial: chain.DialContext}
//
// The deadline still covers everything, and a proxy's refusal is an
// *[Error] of kind [Refused] or [Unreachable] wrapping a *[SOCKS5Error].
//
// # Output
//
// [KnownHostsLines], [SSHFPLines] and [CommentLine] format keys as
// ssh-keyscan prints them (plain, -H, -D); a [Result] marshals to JSON.
package keyscan
