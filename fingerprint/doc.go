// Package fingerprint computes, prints and parses SSH host key
// fingerprints, and describes keys the way ssh-keygen -l does.
//
// # Fingerprints
//
// [Of] digests a key's wire-format blob with SHA-256, MD5 or SHA-1 and
// [Fingerprint.String] prints it in OpenSSH's form
// ("SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw",
// "MD5:78:56:3a:..."). As in OpenSSH, a certificate's fingerprint is that
// of the key it certifies.
//
// [Parse] reads every form people publish and paste: OpenSSH's prefixed
// forms, the bare colon-separated MD5 that vendor pages list
// ("97:8c:1b:f2:6f:14:6b:5c:3b:ec:aa:46:46:74:7c:40 (RSA)"), hex and
// base64 digests with or without padding, whole lines of ssh-keygen -l
// output, and the lines ssh prints ("ED25519 key fingerprint is
// SHA256:...."). Text after the fingerprint that is none of these is an
// error that names it, never dropped. [Fingerprint.Matches] compares with
// a key in constant time.
//
// # Keys
//
// [ParsePublicKey] and [ParseKeyText] accept exactly the keys OpenSSH 9.x
// accepts (RSA of 1024 to 16384 bits, valid EC points, certificates whose
// CA signature verifies, rsa-sha2-* names for RSA keys) and return
// golang.org/x/crypto/ssh's own key types where it can represent them.
// Keys x/crypto cannot parse — ssh-dss (dropped in x/crypto v0.59),
// ssh-ed448, types neither knows — come back as [*OpaqueKey], which still
// has a type, a blob, a size and fingerprints, so an audit sees them
// instead of skipping them. [OpenSSHKnows] tells whether OpenSSH can use a
// key at all.
//
// [Bits], [TypeLabel] and [Randomart] give the size, the label ("RSA",
// "ED25519-CERT") and the visual host key exactly as ssh-keygen -lv prints
// them.
//
// # Key files
//
// [ReadKeys] reads .pub, authorized_keys and known_hosts files line by line
// as ssh-keygen -l does, keeps host lists, options, markers and comments,
// and reports every line that holds no key with its number and the reason,
// instead of skipping it silently. Lines are at most [MaxLineLength] long.
//
// [LoadPublicKey] reads the public key of a key file as ssh and ssh-keygen
// do: the file as a public key file, the .pub file beside it, or the
// public key an OpenSSH private key file carries in the clear.
package fingerprint
