package hostkeys

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// SARIFSchema is the URI of the OASIS SARIF 2.1.0 JSON schema (errata 01)
// that WriteSARIF's output declares and follows.
const SARIFSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// SARIFOptions controls Report.WriteSARIF. The zero value writes paths
// relative to the working directory and no tool version.
type SARIFOptions struct {
	// BaseDir is the directory result locations are relative to, as code
	// scanning wants them relative to the repository's root. If empty,
	// the working directory is used. A file outside it is written as an
	// absolute file:// URI.
	BaseDir string
	// ToolVersion is written as the driver's version, if not empty.
	ToolVersion string
}

// sarifFingerprintKey names the partial fingerprint WriteSARIF computes.
const sarifFingerprintKey = "hostkeysFinding/v1"

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	ShortDescription     sarifText   `json:"shortDescription"`
	FullDescription      sarifText   `json:"fullDescription"`
	Help                 sarifText   `json:"help"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// WriteSARIF writes the report as a SARIF 2.1.0 log of one run, as code
// scanning (GitHub's among others) ingests it: every rule with its help
// text and default level, and each finding as a result with its level,
// message, location (file and line) and a partial fingerprint that stays
// the same when lines move, so that alerts keep their identity from run
// to run.
func (r *Report) WriteSARIF(w io.Writer, opts SARIFOptions) error {
	base := opts.BaseDir
	if base == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		base = wd
	}
	base, err := filepath.Abs(base)
	if err != nil {
		return err
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "hostkeys",
			Version:        opts.ToolVersion,
			InformationURI: "https://github.com/hostkeys/hostkeys",
		}},
		Results: make([]sarifResult, 0, len(r.Findings)),
	}
	uris := map[string]string{}
	seen := map[string]int{}
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID:    f.RuleID,
			RuleIndex: ruleIndex[f.RuleID],
			Level:     f.Severity.String(),
			Message:   sarifText{f.Message},
		}
		uri := ""
		if f.File != "" {
			u, ok := uris[f.File]
			if !ok {
				u = fileURI(base, f.File)
				uris[f.File] = u
			}
			uri = u
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri}}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
			}
			res.Locations = []sarifLocation{loc}
		}
		// The fingerprint leaves out the line and the message (which may
		// name other lines), so that it survives edits elsewhere in the
		// file; findings alike in everything else are told apart by
		// their order.
		h := sha256.Sum256([]byte(f.RuleID + "\x00" + uri + "\x00" + f.Host + "\x00" + f.Key))
		fp := hex.EncodeToString(h[:16])
		n := seen[fp]
		seen[fp] = n + 1
		res.PartialFingerprints = map[string]string{sarifFingerprintKey: fp + ":" + strconv.Itoa(n+1)}
		run.Results = append(run.Results, res)
	}
	// The log is written piece by piece, each result on a line of its
	// own, so that a large report is not held twice in memory.
	bw := bufio.NewWriter(w)
	tool, err := sarifToolJSON(run.Tool.Driver)
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "{\n  \"$schema\": %q,\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": %s,\n      \"results\": [", SARIFSchema, tool)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range run.Results {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n        ")
		buf.Reset()
		if err := enc.Encode(&run.Results[i]); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if len(run.Results) > 0 {
		bw.WriteString("\n      ")
	}
	bw.WriteString("]\n    }\n  ]\n}\n")
	return bw.Flush()
}

// fileURI returns name relative to base as a URI reference, or an
// absolute file:// URI if it lies outside base.
func fileURI(base, name string) string {
	abs, err := filepath.Abs(name)
	if err != nil {
		return (&url.URL{Path: filepath.ToSlash(name)}).String()
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	return (&url.URL{Path: filepath.ToSlash(rel)}).String()
}

// sarifRulesJSON is the rules table as SARIF's driver.rules, indented
// for its place in the log. The table never changes, so it is rendered
// once; it is most of a small log's bytes.
var sarifRulesJSON = sync.OnceValues(func() ([]byte, error) {
	return json.MarshalIndent(sarifRuleTable(), "          ", "  ")
})

// sarifRuleTable returns the rules as SARIF reportingDescriptors.
func sarifRuleTable() []sarifRule {
	out := make([]sarifRule, len(rules))
	for i, rule := range rules {
		out[i] = sarifRule{
			ID:                   rule.ID,
			Name:                 rule.Name,
			ShortDescription:     sarifText{rule.Summary},
			FullDescription:      sarifText{rule.Summary + " " + rule.Help},
			Help:                 sarifText{rule.Help},
			DefaultConfiguration: sarifConfig{rule.Severity.String()},
		}
	}
	return out
}

// sarifToolJSON renders the tool object as json.MarshalIndent would with
// the prefix "      " (TestSARIFToolJSON holds it to that), with the
// rules from sarifRulesJSON.
func sarifToolJSON(d sarifDriver) ([]byte, error) {
	rulesJSON, err := sarifRulesJSON()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	field := func(name, value string) {
		v, _ := json.Marshal(value) // a string always marshals
		fmt.Fprintf(&b, "          %q: %s,\n", name, v)
	}
	b.WriteString("{\n        \"driver\": {\n")
	field("name", d.Name)
	if d.Version != "" {
		field("version", d.Version)
	}
	field("informationUri", d.InformationURI)
	b.WriteString("          \"rules\": ")
	b.Write(rulesJSON)
	b.WriteString("\n        }\n      }")
	return b.Bytes(), nil
}
