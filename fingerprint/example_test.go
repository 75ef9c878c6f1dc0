package fingerprint_test

import (
	"fmt"
	"net"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
	"golang.org/x/crypto/ssh"
)

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"

func ExampleOf() {
	key, _, err := fingerprint.ParseKeyText(hostKey)
	if err != nil {
		panic(err)
	}
	fmt.Println(fingerprint.Of(key, fingerprint.SHA256))
	fmt.Println(fingerprint.Of(key, fingerprint.MD5))
	fmt.Println(fingerprint.Bits(key), fingerprint.TypeLabel(key))
	// Output:
	// SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw
	// MD5:78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58
	// 256 ED25519
}

// A vendor page lists its host keys as bare colon-separated MD5 digests.
// Parse reads that form (and every other form people paste) and Matches
// compares in constant time, checking the key type label too.
func ExampleParse() {
	published, err := fingerprint.Parse("78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58 (ED25519)")
	if err != nil {
		panic(err)
	}
	key, _, _ := fingerprint.ParseKeyText(hostKey)
	fmt.Println(published.Hash, published.KeyType, published.Matches(key))

	_, err = fingerprint.Parse("97:8c:1b:f2:6f:14")
	fmt.Println(err)
	// Output:
	// MD5 ED25519 true
	// fingerprint: cannot parse "97:8c:1b:f2:6f:14": 6 colon-separated bytes fit no digest (MD5 has 16, SHA-1 20, SHA-256 32)
}

// A HostKeyCallback that accepts only keys whose fingerprint is pinned.
func ExampleFingerprint_Matches() {
	pins := []string{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw"}
	var want []fingerprint.Fingerprint
	for _, p := range pins {
		fp, err := fingerprint.Parse(p)
		if err != nil {
			panic(err)
		}
		want = append(want, fp)
	}
	var callback ssh.HostKeyCallback = func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		for _, fp := range want {
			if fp.Matches(key) {
				return nil
			}
		}
		return fmt.Errorf("%s: host key %s is not pinned", hostname, fingerprint.Of(key, fingerprint.SHA256))
	}
	key, _, _ := fingerprint.ParseKeyText(hostKey)
	fmt.Println(callback("example.com", nil, key))
	// Output:
	// <nil>
}

func ExampleReadKeys() {
	knownHosts := `# office
example.com,192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx
old.example.com ssh-dss AAAAB3NzaC1kc3MAAACBAOgkIHczlIvrlzizHOjusBNORHkyKqShVZ5hrg4Izppb9d56/7uVq0UisJy0+l24J16RG8Yxsk1A3jYyXCW6Kk5pbXQjV3QBPFU33ZEpSV+OrWrXCONRFfVI1nxc9fGQx5fbSsEYxzJPiHsXaNEqOwWYmUSvsN4L/T8gFW1IAJiZAAAAFQC7ylJN0M0uUd6KeNpYjFMA0coeDQAAAIEAsZTeV74obpREgh5YWFer61EI4/+p24I0vw73e+356jH+OaQA6LRSjNCwNf/oT4MsoIEPk7Ri22v1hD0UKQRAJtzAtADdZ/C6xQJ6z75GwY+iEE0HrYlQFmLRrMCN0bUrlyW+rNPBYqRWOBiXqoUk3okP5nrJCvPGIM91zlG1szwAAACAEX6b4N5RMIcX++N/6B238xuw89Dfds6sPOHsD/1iFCQWj66+sInlBipeAu/vBYl8W330mkSAS5Vy5fbZnDEDIXUa2+BkJ6H0YtMbQvmBn4ZMzkYHwXE9oE0l4wWwtYTEXAZmuW1SHuHHuDJoj5iQoI36PY1NTiGbUyYDY5WNFsw=
broken.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3
`
	kf, err := fingerprint.ReadKeys(strings.NewReader(knownHosts), "known_hosts")
	if err != nil {
		panic(err)
	}
	for _, k := range kf.Keys {
		fmt.Println(k.Line, k.Prefix, fingerprint.TypeLabel(k.Key), fingerprint.Bits(k.Key))
	}
	for _, bad := range kf.Invalid {
		fmt.Println(bad)
	}
	// Output:
	// 2 example.com,192.0.2.10 ED25519 256
	// 3 old.example.com DSA 1024
	// fingerprint: known_hosts:4: invalid ssh-ed25519 key: truncated Ed25519 key
}
