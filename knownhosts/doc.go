// Package knownhosts reads, checks and edits OpenSSH known_hosts files,
// behaving exactly as OpenSSH 9.x does where golang.org/x/crypto's
// ssh/knownhosts does not.
//
// # Verifying host keys
//
//	db, err := knownhosts.OpenOptions(knownhosts.Options{SkipMissing: true}, knownhosts.DefaultFiles(home)...)
//	...
//	config := &ssh.ClientConfig{
//		HostKeyCallback:   db.HostKeyCallback(),
//		HostKeyAlgorithms: db.HostKeyAlgorithms(addr),
//	}
//	client, err := ssh.Dial("tcp", addr, config)
//
// Files named to [Open] must exist and be known_hosts files; with
// Options.SkipMissing, missing ones are skipped as ssh skips them, and
// [DB.Files] says what was read. The callback accepts exactly what
// ssh -o StrictHostKeyChecking=yes accepts: names are matched
// case-insensitively with comma lists, '*' and '?' wildcards and '!'
// negations; "[host]:port" is a literal, so wildcards match any port, and
// a host on another port than 22 with no "[host]:port" entry is checked
// against its plain entries; @cert-authority keys only vouch for
// certificates; @revoked applies to the hosts its line names. Errors are
// x/crypto's *knownhosts.KeyError and *knownhosts.RevokedError; see
// [IsHostUnknown], [IsHostKeyChanged] and [IsRevoked].
//
// [DB.HostKeyAlgorithms] orders algorithms as ssh does, so that the
// server presents a key that is known (golang/go#29286); [DB.HostKeys]
// lists the entries that apply to a host, with file and line. They and
// [DB.Check] take the address as ssh.Dial does ("host:port").
//
// When the callback rejects a key, [DB.Explain] says why in words: an
// unknown host, a changed key (with the file and line of the key on
// record) or a revoked key, with what to do about it.
//
// # Trust on first use
//
// Nothing is trusted because it was merely seen. A program that asks its
// user, as ssh's StrictHostKeyChecking=ask does, records the accepted key
// with [File.Add] inside [Edit]: Add takes the name the callback received
// ("host:port") and writes OpenSSH's form, and records a host
// certificate as the plain key it certifies, as ssh does. The program in
// examples/tofu shows the whole exchange.
//
// # The file model
//
// [Parse] keeps every line: entries, comments, blank lines and invalid
// lines with the reason. Lines may be of any length, a bad line never
// stops parsing, and writing an unmodified [File] reproduces it byte for
// byte. Keys are parsed on first use, so loading a large file is cheap.
//
// # Editing
//
// [File.Add], [File.Remove] (ssh-keygen -R) and [File.Hash] (ssh-keygen
// -H) change a File; [File.Save] writes it back crash-safely, and [Edit]
// does read, change and save under an advisory lock.
//
// # Matching cost
//
// Plain names are found through an index; patterns with wildcards are
// matched without backtracking blow-up; hashed names cost two SHA-1
// blocks each, from HMAC states precomputed at load, spread over the
// cores for large files.
package knownhosts
