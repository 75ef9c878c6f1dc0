package sshfp

// DefaultHostKeyFiles returns the host key files ssh-keygen -r reads when
// it is given no -f, in its order, as OpenSSH 9.2 built with its
// configuration in /etc/ssh: the RSA, DSA, ECDSA, Ed25519 and XMSS keys.
// ssh-keygen skips those that do not exist and reads the others as
// [fingerprint.LoadPublicKey] does. The slice is new at each call.
func DefaultHostKeyFiles() []string {
	return []string{
		"/etc/ssh/ssh_host_rsa_key",
		"/etc/ssh/ssh_host_dsa_key",
		"/etc/ssh/ssh_host_ecdsa_key",
		"/etc/ssh/ssh_host_ed25519_key",
		"/etc/ssh/ssh_host_xmss_key",
	}
}
