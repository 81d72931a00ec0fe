package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has Linux kill the host when the shim dies, even by SIGKILL (prctl PR_SET_PDEATHSIG); host.run keeps
// the starting thread alive for it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
