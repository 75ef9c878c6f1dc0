package hostkeys

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Group headings of the text report for findings without a readable host.
const (
	textNoHost = "(no host)"
	textHashed = "(hashed entries)"
)

// WriteText writes the report for people: findings grouped by host
// (hosts in order, then lines naming no host, then hashed entries no
// inventory name de-hashed), each as location, severity, rule ID and
// message in aligned columns, and a summary line with the counts by
// severity.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	type group struct {
		head  string
		items []int
	}
	groups := map[string]*group{}
	var heads []string
	locW, sevW := 0, len("warning")
	locs := make([]string, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		locs[i] = f.Location()
		head := f.Host
		switch {
		case head == "":
			head = textNoHost
		case strings.HasPrefix(head, "|"):
			head = textHashed
		}
		g, ok := groups[head]
		if !ok {
			g = &group{head: head}
			groups[head] = g
			heads = append(heads, head)
		}
		g.items = append(g.items, i)
		locW = max(locW, len(locs[i]))
	}
	rank := func(h string) int {
		switch h {
		case textNoHost:
			return 1
		case textHashed:
			return 2
		}
		return 0
	}
	slices.SortFunc(heads, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	for n, h := range heads {
		if n > 0 {
			bw.WriteByte('\n')
		}
		bw.WriteString(h)
		bw.WriteByte('\n')
		for _, i := range groups[h].items {
			f := &r.Findings[i]
			bw.WriteString("  ")
			pad(bw, locs[i], locW)
			bw.WriteString("  ")
			pad(bw, f.Severity.String(), sevW)
			bw.WriteString("  ")
			bw.WriteString(f.RuleID)
			bw.WriteString("  ")
			bw.WriteString(f.Message)
			bw.WriteByte('\n')
		}
	}
	if len(heads) > 0 {
		bw.WriteByte('\n')
	}
	bw.WriteString(r.summary())
	bw.WriteByte('\n')
	return bw.Flush()
}

// pad writes s and blanks up to width.
func pad(w *bufio.Writer, s string, width int) {
	w.WriteString(s)
	for n := len(s); n < width; n++ {
		w.WriteByte(' ')
	}
}

// summary is "N findings: E errors, W warnings, N notes".
func (r *Report) summary() string {
	plural := func(n int, word string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, word)
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	return fmt.Sprintf("%s: %s, %s, %s.", plural(len(r.Findings), "finding"),
		plural(r.Count(SeverityError), "error"), plural(r.Count(SeverityWarning), "warning"),
		plural(r.Count(SeverityNote), "note"))
}

// JSONVersion is the version of the JSON form WriteJSON writes. It
// changes only when a field changes meaning or goes away; new fields may
// appear within a version.
const JSONVersion = 1

type jsonSummary struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Note    int `json:"note"`
}

type jsonStats struct {
	Lines          int   `json:"lines"`
	Entries        int   `json:"entries"`
	HashedEntries  int   `json:"hashed_entries"`
	Pins           int   `json:"pins"`
	InventoryNames int   `json:"inventory_names"`
	DehashNames    int   `json:"dehash_names"`
	HMACs          int64 `json:"hmacs"`
}

type jsonFinding struct {
	RuleID   string   `json:"rule_id"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Host     string   `json:"host,omitempty"`
	Key      string   `json:"key,omitempty"`
	Message  string   `json:"message"`
}

// WriteJSON writes the report as one JSON document, version
// [JSONVersion], with one finding per line:
//
//	{
//	  "version": 1,
//	  "files": ["known_hosts", "inventory"],
//	  "summary": {"error": 1, "warning": 2, "note": 0},
//	  "stats": {"lines": 12, "entries": 10, "hashed_entries": 4, "pins": 0,
//	            "inventory_names": 3, "dehash_names": 3, "hmacs": 12},
//	  "findings": [
//	    {"rule_id": "HK104", "rule": "conflicting-keys", "severity": "warning",
//	     "file": "known_hosts", "line": 3, "host": "a.example",
//	     "key": "SHA256:...", "message": "..."}
//	  ]
//	}
//
// Findings are in the report's order; "file", "line", "host" and "key"
// are left out when empty. "severity" is "error", "warning" or "note".
func (r *Report) WriteJSON(w io.Writer) error {
	files := r.Files
	if files == nil {
		files = []string{}
	}
	head := []struct {
		name  string
		value any
	}{
		{"version", JSONVersion},
		{"files", files},
		{"summary", jsonSummary{r.Count(SeverityError), r.Count(SeverityWarning), r.Count(SeverityNote)}},
		{"stats", jsonStats{r.Stats.Lines, r.Stats.Entries, r.Stats.HashedEntries, r.Stats.Pins,
			r.Stats.InventoryNames, r.Stats.DehashNames, r.Stats.HMACs}},
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("{\n")
	for _, h := range head {
		b, err := json.Marshal(h.value)
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "  %q: %s,\n", h.name, b)
	}
	bw.WriteString(`  "findings": [`)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i, f := range r.Findings {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		rule, _ := ruleByID(f.RuleID)
		buf.Reset()
		if err := enc.Encode(jsonFinding{f.RuleID, rule.Name, f.Severity, f.File, f.Line, f.Host, f.Key, f.Message}); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if len(r.Findings) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
