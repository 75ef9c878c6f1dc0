// Command genkh writes a large known_hosts file for benchmarks: a mix of
// key types (Ed25519, ECDSA on the three curves, RSA of 2048 to 4096 bits,
// DSA), half the names hashed, [host]:port entries, comma lists, markers
// and comments. Keys come from a pool, as in real files where one host key
// appears under several names and addresses, or with -distinct are all
// different. RSA and DSA keys are random numbers of the right sizes, which
// OpenSSH accepts as well-formed keys (it checks sizes, not primality), so
// that a large file is made in seconds.
//
//	go run ./bench/genkh -n 100000 -keys 600 -o known_hosts
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"math/big"
	mrand "math/rand/v2"
	"os"

	"github.com/hostkeys/hostkeys/internal/wire"
	"golang.org/x/crypto/ssh"
)

func main() {
	n := flag.Int("n", 100000, "number of lines")
	nkeys := flag.Int("keys", 600, "size of the key pool")
	out := flag.String("o", "known_hosts", "output file")
	seed := flag.Uint64("seed", 1, "random seed for names and layout")
	distinct := flag.Bool("distinct", false, "a fresh key on every line")
	flag.Parse()

	if *distinct {
		*nkeys = *n
	}
	pool := fastPool(*nkeys)
	r := mrand.New(mrand.NewPCG(*seed, 1))
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < *n; i++ {
		key := pool[r.IntN(len(pool))]
		if *distinct {
			key = pool[i]
		}
		host := fmt.Sprintf("host%d.example%d.com", i, r.IntN(100))
		switch {
		case r.IntN(100) == 0:
			fmt.Fprintf(w, "# comment %d\n", i)
			continue
		case r.IntN(100) == 0:
			fmt.Fprintf(w, "@cert-authority *.example%d.com %s\n", r.IntN(100), key)
			continue
		case r.IntN(200) == 0:
			fmt.Fprintf(w, "@revoked %s %s\n", host, key)
			continue
		}
		name := host
		switch r.IntN(4) {
		case 0:
			name = fmt.Sprintf("[%s]:%d", host, 1024+r.IntN(60000))
		case 1:
			name = fmt.Sprintf("%s,192.0.%d.%d", host, r.IntN(256), r.IntN(256))
		}
		if r.IntN(2) == 0 {
			name = hashed(r, name)
		}
		comment := ""
		if r.IntN(10) == 0 {
			comment = fmt.Sprintf(" added %d", i)
		}
		fmt.Fprintf(w, "%s %s%s\n", name, key, comment)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func hashed(r *mrand.Rand, name string) string {
	salt := make([]byte, 20)
	for i := range salt {
		salt[i] = byte(r.Uint32())
	}
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(name))
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func text(pub any) string {
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		log.Fatal(err)
	}
	return k.Type() + " " + base64.StdEncoding.EncodeToString(k.Marshal())
}

// fastPool makes n distinct keys in the same type mix as keyPool. RSA and
// DSA keys are random numbers of the right sizes: well-formed keys to
// OpenSSH (it checks sizes, not primality), made without prime searches.
func fastPool(n int) []string {
	randInt := func(bits int) *big.Int {
		v, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
		v.SetBit(v, bits-1, 1)
		return v.SetBit(v, 0, 1)
	}
	blob := func(typ string, ints ...*big.Int) string {
		b := wire.AppendString(nil, []byte(typ))
		for _, v := range ints {
			b = wire.AppendMPInt(b, v)
		}
		return typ + " " + base64.StdEncoding.EncodeToString(b)
	}
	curves := []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()}
	pool := make([]string, 0, n)
	for i := 0; i < n; i++ {
		switch p := i % 100; {
		case p < 45:
			pub, _, _ := ed25519.GenerateKey(rand.Reader)
			pool = append(pool, text(pub))
		case p < 75:
			k, _ := ecdsa.GenerateKey(curves[i%3], rand.Reader)
			pool = append(pool, text(&k.PublicKey))
		case p < 97:
			bits := []int{2048, 2048, 3072, 4096}[i%4]
			pool = append(pool, blob("ssh-rsa", big.NewInt(65537), randInt(bits)))
		default:
			pool = append(pool, blob("ssh-dss", randInt(1024), randInt(160), randInt(1023), randInt(1023)))
		}
	}
	return pool
}
