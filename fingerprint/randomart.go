package fingerprint

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// The "drunken bishop" field of OpenSSH's visual host key.
const (
	artWidth  = 17
	artHeight = 9
	artSymbol = " .o+=*BOX@%&#/^SE"
)

// Randomart returns the visual host key of key for fingerprint hash h,
// byte for byte as ssh-keygen -lv prints it (without a final newline).
func Randomart(key ssh.PublicKey, h Hash) string {
	return randomart(Of(key, h), TypeLabel(key), Bits(key))
}

func randomart(fp Fingerprint, label string, bits int) string {
	var field [artWidth][artHeight]int
	top := len(artSymbol) - 1
	x, y := artWidth/2, artHeight/2
	for _, b := range fp.Sum {
		in := int(b)
		for range 4 {
			if in&1 != 0 {
				x++
			} else {
				x--
			}
			if in&2 != 0 {
				y++
			} else {
				y--
			}
			x = min(max(x, 0), artWidth-1)
			y = min(max(y, 0), artHeight-1)
			if field[x][y] < top-2 {
				field[x][y]++
			}
			in >>= 2
		}
	}
	field[artWidth/2][artHeight/2] = top - 1
	field[x][y] = top

	// OpenSSH formats the title into a 17-byte buffer with snprintf and
	// falls back to "[TYPE]" only when "[TYPE BITS]" is longer than 17, so
	// a title of exactly 17 bytes loses its last byte.
	title := fmt.Sprintf("[%s %d]", label, bits)
	if len(title) > artWidth {
		title = "[" + label + "]"
	}
	if len(title) > artWidth-1 {
		title = title[:artWidth-1]
	}
	hash := "[" + fp.Hash.String() + "]"
	if len(hash) > artWidth-1 {
		hash = hash[:artWidth-1]
	}

	var sb strings.Builder
	border := func(s string) {
		sb.WriteByte('+')
		pad := (artWidth - len(s)) / 2
		sb.WriteString(strings.Repeat("-", pad))
		sb.WriteString(s)
		sb.WriteString(strings.Repeat("-", artWidth-pad-len(s)))
		sb.WriteByte('+')
	}
	border(title)
	sb.WriteByte('\n')
	for yy := range artHeight {
		sb.WriteByte('|')
		for xx := range artWidth {
			sb.WriteByte(artSymbol[min(field[xx][yy], top)])
		}
		sb.WriteString("|\n")
	}
	border(hash)
	return sb.String()
}
