package hostkeys

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// -update rewrites the golden files. It is registered here unless another
// test file of the package already has it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// The sample fleet of the README: every offline rule finds something.
var (
	sampleKnownHosts = filepath.Join("examples", "testdata", "fleet_known_hosts")
	sampleInventory  = filepath.Join("examples", "testdata", "fleet_inventory")
	samplePins       = filepath.Join("examples", "testdata", "fleet_pins")
)

func sampleReport(t *testing.T) *Report {
	t.Helper()
	r, err := Audit(context.Background(), AuditOptions{
		KnownHosts:    []string{sampleKnownHosts},
		Pins:          []string{samplePins},
		Inventory:     sampleInventory,
		RequireHashed: true,
	})
	require.NoError(t, err)
	return r
}

// golden compares got with testdata/audit/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "audit", name)
	if updateGolden() {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), string(got))
}

func TestSampleTriggersEveryOfflineRule(t *testing.T) {
	r := sampleReport(t)
	fired := map[string]bool{}
	for _, f := range r.Findings {
		fired[f.RuleID] = true
	}
	for _, rule := range Rules() {
		if rule.ID < "HK4" { // HK4xx and HK5xx need DNS or live servers
			assert.True(t, fired[rule.ID], "%s %s does not fire on the sample", rule.ID, rule.Name)
		}
	}
}

func TestReportText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport(t).WriteText(&b))
	golden(t, "report.txt", b.Bytes())

	b.Reset()
	require.NoError(t, (&Report{}).WriteText(&b))
	assert.Equal(t, "0 findings: 0 errors, 0 warnings, 0 notes.\n", b.String())
}

func TestReportJSON(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport(t)
	require.NoError(t, r.WriteJSON(&b))
	golden(t, "report.json", b.Bytes())

	var doc struct {
		Version  int
		Summary  map[string]int
		Findings []map[string]any
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, JSONVersion, doc.Version)
	assert.Equal(t, r.Count(SeverityError), doc.Summary["error"])
	assert.Len(t, doc.Findings, len(r.Findings))
}

func TestReportSARIF(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport(t)
	require.NoError(t, r.WriteSARIF(&b, SARIFOptions{ToolVersion: "v0.0.0-test"}))
	golden(t, "report.sarif", b.Bytes())
	validateSARIF(t, b.Bytes())

	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
				PartialFingerprints map[string]string
			}
		}
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &log))
	require.Len(t, log.Runs, 1)
	require.Len(t, log.Runs[0].Results, len(r.Findings))
	fps := map[string]bool{}
	for i, res := range log.Runs[0].Results {
		f := r.Findings[i]
		assert.Equal(t, f.RuleID, res.RuleID)
		require.Len(t, res.Locations, 1)
		assert.Equal(t, filepath.ToSlash(f.File), res.Locations[0].PhysicalLocation.ArtifactLocation.URI,
			"relative to the working directory")
		assert.Equal(t, f.Line, res.Locations[0].PhysicalLocation.Region.StartLine)
		fp := res.PartialFingerprints[sarifFingerprintKey]
		assert.False(t, fps[fp], "fingerprint %s twice", fp)
		fps[fp] = true
	}
}

// TestSARIFFingerprintsSurviveMovedLines checks that a finding keeps its
// partial fingerprint when lines are added above it.
func TestSARIFFingerprintsSurviveMovedLines(t *testing.T) {
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	fps := func(prefix string) map[string]string {
		require.NoError(t, os.WriteFile(kh, []byte(prefix+
			"a.example "+edKey(1)+"\na.example "+edKey(2)+"\nb.example "+bigKey("ssh-dss", 1024)+"\n"), 0o644))
		r, err := Audit(context.Background(), AuditOptions{KnownHosts: []string{kh}})
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, r.WriteSARIF(&b, SARIFOptions{BaseDir: dir}))
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID              string
					PartialFingerprints map[string]string
				}
			}
		}
		require.NoError(t, json.Unmarshal(b.Bytes(), &log))
		out := map[string]string{}
		for _, res := range log.Runs[0].Results {
			out[res.RuleID] = res.PartialFingerprints[sarifFingerprintKey]
		}
		return out
	}
	before := fps("")
	after := fps("# a comment\nc.example " + edKey(3) + "\n")
	assert.Len(t, before, 2)
	assert.Equal(t, before, after)
}

func TestSARIFURIs(t *testing.T) {
	base := filepath.FromSlash("/work/repo")
	for _, tc := range []struct{ name, want string }{
		{"/work/repo/known_hosts", "known_hosts"},
		{"/work/repo/etc/ssh known_hosts", "etc/ssh%20known_hosts"},
		{"/root/.ssh/known_hosts", "file:///root/.ssh/known_hosts"},
		{"/work/repo2/x", "file:///work/repo2/x"},
		{"/work/repo/a:b", "./a:b"},
	} {
		assert.Equal(t, tc.want, fileURI(base, filepath.FromSlash(tc.name)), tc.name)
	}
}

// validateSARIF checks doc against the OASIS SARIF 2.1.0 schema (errata
// 01), vendored from github.com/oasis-tcs/sarif-spec at e058381
// (sarif-2.1/schema/sarif-schema-2.1.0.json).
func validateSARIF(t *testing.T, doc []byte) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "audit", "sarif-schema-2.1.0.json"))
	require.NoError(t, err)
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(SARIFSchema, schemaDoc))
	sch, err := c.Compile(SARIFSchema)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF output does not follow the 2.1.0 schema: %v", err)
	}
}

// TestSARIFSchemaRejects makes sure the validation is not vacuous.
func TestSARIFSchemaRejects(t *testing.T) {
	bad := []string{
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}`,                                             // driver without name
		`{"version": "2.0.0", "runs": []}`,                                                                     // wrong version
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal"}]}]}`, // bad level, no message
	}
	f, err := os.Open(filepath.Join("testdata", "audit", "sarif-schema-2.1.0.json"))
	require.NoError(t, err)
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(SARIFSchema, schemaDoc))
	sch, err := c.Compile(SARIFSchema)
	require.NoError(t, err)
	for _, doc := range bad {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		require.NoError(t, err)
		assert.Error(t, sch.Validate(inst), doc)
	}
}

// TestREADMEAudit checks that the README shows the sample's report as it is.
func TestREADMEAudit(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	// The "Try it" section gives the same command without its output;
	// the output is shown in the Audit section.
	_, section, ok := strings.Cut(string(readme), "\n## Audit\n")
	require.True(t, ok, "README has no Audit section")
	_, after, ok := strings.Cut(section, "--inventory examples/testdata/fleet_inventory --require-hashed\n")
	require.True(t, ok, "README's Audit section has no audit of the sample")
	shown, _, ok := strings.Cut(after, "$ echo $?\n")
	require.True(t, ok)
	var b bytes.Buffer
	require.NoError(t, sampleReport(t).WriteText(&b))
	assert.Equal(t, b.String(), shown)
}

// TestSARIFToolJSON: the tool object, written from the rules rendered
// once, is what json.MarshalIndent writes in its place.
func TestSARIFToolJSON(t *testing.T) {
	for _, version := range []string{"", "v1.2.3", "odd \"<version>\""} {
		d := sarifDriver{Name: "hostkeys", Version: version, InformationURI: "https://github.com/hostkeys/hostkeys",
			Rules: sarifRuleTable()}
		want, err := json.MarshalIndent(sarifTool{Driver: d}, "      ", "  ")
		require.NoError(t, err)
		got, err := sarifToolJSON(d)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
	}
}
