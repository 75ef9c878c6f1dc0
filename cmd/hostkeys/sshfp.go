package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/sshfprr"
	"github.com/hostkeys/hostkeys/sshfp"
)

func init() {
	register(&command{
		name:    "sshfp",
		summary: "print SSHFP records (like ssh-keygen -r), or check a host's keys against DNS",
		run:     runSSHFP,
	})
}

const sshfpUsage = `usage: hostkeys sshfp [-g] [-O hashalg=sha1|sha256] [-f KEYFILE]... NAME
       hostkeys sshfp --check [--keys FILE | --connect ADDR] [--resolver ADDR]...
                      [--trust ADDR]... [--validate] [--anchor FILE]... [--strict]
                      [--json] HOST[:PORT]

The first form prints the SSHFP resource records of each KEYFILE for the
owner NAME, exactly as ssh-keygen -r NAME -f KEYFILE does. KEYFILE may be a
public key file or a private key file with a .pub beside it or in the
OpenSSH format; "-" reads every public key on standard input (lines of
.pub, authorized_keys or known_hosts files). Without -f, the host keys in
/etc/ssh are read. A host certificate gives the records of the key it
certifies.

  -g        print the generic form (IN TYPE44 \# ...), as ssh-keygen -r -g
  -O hashalg=sha1|sha256
            print only the records of that fingerprint type, as
            ssh-keygen 9.3+ does

The second form fetches the host's keys from its SSH server (HOST:PORT,
port 22 by default), looks up HOST's SSHFP records and checks the keys
against them, printing each record's and each key's status. A record
counts only if DNSSEC proves it: by default the AD bit of a resolver
named with --trust, of one on loopback named with --resolver, or of the
nameservers of /etc/resolv.conf if it has "options trust-ad" (as glibc
2.31+); with --validate, hostkeys validates the chain itself from the
root trust anchors or those in --anchor files.

  --keys FILE       read the host's keys from FILE (.pub or known_hosts;
                    - is standard input) instead of scanning the server
  --connect ADDR    scan the SSH server at ADDR (host:port) instead of HOST
  --resolver ADDR   DNS server, host or host:port (repeatable; default: the
                    nameservers of /etc/resolv.conf)
  --trust ADDR      also believe the AD bit of this resolver (repeatable)
  --validate        validate DNSSEC signatures locally instead of trusting AD
  --anchor FILE     DS or DNSKEY trust anchors in zone-file form (repeatable;
                    implies --validate; default: the root KSKs)
  --strict          OpenSSH's rule: every record of the key's algorithm must
                    match (default: any matching record accepts)
  --sha1            accept a SHA-1-only match even when SHA-256 records exist
  --timeout DUR     overall deadline for the lookup (default 10s)
  --json            print a JSON document instead

Exit status: 0 on a secure match (--check) or when records were printed,
1 when no key matches a secure record, 2 on usage or I/O errors (with
--check also when no DNS server answered, when HOST is an IP address, or
when the host's keys could not be fetched).
`

func runSSHFP(e *env, args []string) int {
	fs := flag.NewFlagSet("sshfp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o checkOptions
	var files stringList
	generic := fs.Bool("g", false, "")
	fs.Bool("r", true, "") // accepted for ssh-keygen habits
	fs.Var(&files, "f", "")
	var opts stringList
	fs.Var(&opts, "O", "")
	fs.BoolVar(&o.check, "check", false, "")
	fs.StringVar(&o.keys, "keys", "", "")
	fs.StringVar(&o.connect, "connect", "", "")
	fs.Var(&o.resolvers, "resolver", "")
	fs.Var(&o.trusted, "trust", "")
	fs.BoolVar(&o.validate, "validate", false, "")
	fs.Var(&o.anchors, "anchor", "")
	fs.BoolVar(&o.strict, "strict", false, "")
	fs.BoolVar(&o.sha1, "sha1", false, "")
	fs.DurationVar(&o.timeout, "timeout", defaultCheckTimeout, "")
	fs.BoolVar(&o.json, "json", false, "")
	rest, code, ok := parseArgs(e, fs, args, "sshfp", sshfpUsage)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		if len(rest) == 0 {
			return usageError(e, "sshfp", "no host name given")
		}
		return usageError(e, "sshfp", "one host name expected, got %d: %s", len(rest), joinQuoted(rest))
	}
	name := rest[0]
	if o.check {
		if len(files) > 0 || *generic || len(opts) > 0 {
			e.errorf("sshfp: -f, -g and -O print records; they do not go with --check")
			e.hintf("give the host's keys to --check with --keys FILE")
			return exitUsage
		}
		return runSSHFPCheck(e, name, &o)
	}
	// -O hashalg= as ssh-keygen -r takes it: scan's -O is the same
	// option, but ssh-keygen, unlike ssh-keyscan, takes "hashalg" in any
	// case.
	var only fingerprint.Hash
	for _, v := range opts {
		if name, val, ok := strings.Cut(v, "="); ok && strings.EqualFold(name, "hashalg") {
			v = "hashalg=" + val
		}
		h, err := parseScanOption(v)
		if err != nil {
			var oe *optionError
			if errors.As(err, &oe) {
				e.errorf("sshfp: %s", oe.msg)
				e.hintf("%s", oe.hint)
			} else {
				e.errorf("sshfp: %v", err)
			}
			return exitUsage
		}
		only = h
	}
	explicit := len(files) > 0
	if !explicit {
		files = sshfp.DefaultHostKeyFiles()
	}
	n := 0
	for _, file := range files {
		var keys []ssh.PublicKey
		if file == "-" {
			var status int
			if keys, status = sshfpReadKeys(e, file); keys == nil {
				return status
			}
		} else {
			key, _, err := fingerprint.LoadPublicKey(file)
			var le *fingerprint.LoadError
			switch {
			case err == nil:
			case !explicit && errors.Is(err, os.ErrNotExist):
				continue
			case errors.As(err, &le):
				e.errorf("sshfp: %s: %s", le.Path, le.Reason)
				return exitUsage
			default:
				e.errorf("sshfp: %v", err)
				return exitUsage
			}
			keys = []ssh.PublicKey{key}
		}
		for _, key := range keys {
			n++
			recs, err := sshfp.ForKey(name, key)
			if err != nil {
				e.warnf("sshfp: %s: %v", displayName(file), err)
				continue
			}
			for _, r := range recs {
				if only != 0 && uint8(r.Type) != sshfprr.Type(only) {
					continue
				}
				if *generic {
					fmt.Fprintln(e.stdout, r.Generic())
				} else {
					fmt.Fprintln(e.stdout, r.String())
				}
			}
		}
	}
	if n == 0 {
		e.errorf("sshfp: no keys found.")
		e.hintf("name a key file with -f KEYFILE")
		return exitUsage
	}
	return exitOK
}
