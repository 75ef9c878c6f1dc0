package main

import "time"

const defaultCheckTimeout = 10 * time.Second

type checkOptions struct {
	check     bool
	keys      string
	resolvers stringList
	trusted   stringList
	validate  bool
	anchors   stringList
	strict    bool
	sha1      bool
	timeout   time.Duration
	json      bool
}

func runSSHFPCheck(e *env, host string, o *checkOptions) int {
	e.errorf("sshfp: --check is not implemented yet")
	return exitUsage
}
