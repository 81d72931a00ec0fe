package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has Linux kill the host when the shim dies, even by SIGKILL (prctl PR_SET_PDEATHSIG).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
