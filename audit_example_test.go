package hostkeys_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hostkeys/hostkeys"
)

// Audit the sample fleet's known_hosts against its approved list and
// inventory, and act on the findings by severity.
func ExampleAudit() {
	report, err := hostkeys.Audit(context.Background(), hostkeys.AuditOptions{
		KnownHosts: []string{"examples/testdata/fleet_known_hosts"},
		Pins:       []string{"examples/testdata/fleet_pins"},
		Inventory:  "examples/testdata/fleet_inventory",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range report.Findings {
		if f.Severity == hostkeys.SeverityError {
			line := f.RuleID + " " + f.Location()
			if f.Host != "" {
				line += " " + f.Host
			}
			fmt.Println(line)
		}
	}
	fmt.Println(report.Count(hostkeys.SeverityWarning), "warnings;", report.Stats.HMACs, "HMACs to de-hash")
	if report.Max() >= hostkeys.SeverityError {
		// A CI job fails here; report.WriteSARIF(os.Stdout, hostkeys.SARIFOptions{})
		// writes the findings for code scanning.
		fmt.Println("fail")
	}
	// Output:
	// HK201 examples/testdata/fleet_known_hosts:6 web2.example.com
	// HK201 examples/testdata/fleet_known_hosts:8 git.example.com
	// HK102 examples/testdata/fleet_known_hosts:9 db1.example.com
	// HK109 examples/testdata/fleet_known_hosts:15 backup.example.com
	// HK101 examples/testdata/fleet_known_hosts:16 mail.example.com
	// HK205 examples/testdata/fleet_pins:22
	// HK303 examples/testdata/fleet_inventory:12
	// 10 warnings; 30 HMACs to de-hash
	// fail
}
