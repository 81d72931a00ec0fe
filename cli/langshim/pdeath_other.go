//go:build !linux

package main

import "os/exec"

// dieWithParent: only Linux can tie a child's life to its parent's; elsewhere the CLI's process-group kill applies.
func dieWithParent(*exec.Cmd) {}
