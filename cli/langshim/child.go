package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// host is the wrapped language host process.
type host struct {
	cmd    *exec.Cmd
	port   int
	stdout *bufio.Reader
	exited chan int
	// done is closed once the host has exited and been reaped.
	done chan struct{}
}

// startHost runs the old host with the shim's own arguments and reads the port it prints, the way the CLI reads
// a plugin's (sdk/go/common/resource/plugin/plugin.go at v3.276.0: first stdout line, trimmed, 1..65535).
func startHost(path string, args []string) (*host, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	// The host stays in our process group: the CLI interrupts, then kills, the whole group of a plugin
	// (plugin.go's kill → cmdutil.InterruptChildren/KillChildren signal -pid). dieWithParent covers a shim that
	// is killed alone.
	dieWithParent(cmd)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	h := &host{cmd: cmd, stdout: bufio.NewReader(pipe), exited: make(chan int, 1), done: make(chan struct{})}
	started := make(chan error, 1)
	go h.run(started)
	if err := <-started; err != nil {
		return nil, fmt.Errorf("cannot start the wrapped host %s: %w (rebuild with npm run cli:build)", path, err)
	}
	line, err := h.stdout.ReadString('\n')
	if err != nil {
		h.stop()
		return nil, fmt.Errorf("the wrapped host %s printed no port (%q): %w", path, line, err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || port <= 0 || port > 65535 {
		h.stop()
		return nil, fmt.Errorf("the wrapped host %s printed %q instead of a port", path, line)
	}
	h.port = port
	return h, nil
}

// run starts the host and waits for it on one goroutine locked to its OS thread: Linux sends the death signal when
// the thread that started the child ends, not the process (prctl(2) PR_SET_PDEATHSIG; golang/go#27505), so that
// thread must live as long as the host. It is released (and ends) only once the host has exited.
func (h *host) run(started chan<- error) {
	runtime.LockOSThread()
	if err := h.cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	err := h.cmd.Wait()
	close(h.done)
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
		if code < 0 {
			code = 1 // killed by a signal
		}
	} else if err != nil {
		code = 1
	}
	h.exited <- code
}

// copyStdout passes on whatever the host prints after its port (the CLI traces a plugin's later output).
func (h *host) copyStdout(w io.Writer) {
	_, _ = io.Copy(w, h.stdout)
}

// stop interrupts the host, as the CLI would, and kills it if it is still running 5 s later (the CLI's own grace
// period, plugin.go's kill).
func (h *host) stop() {
	select {
	case <-h.done:
		return
	default:
	}
	_ = h.cmd.Process.Signal(os.Interrupt)
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.done
	}
}

// interrupted fires on SIGINT or SIGTERM, after which run returns and stop ends the host.
func interrupted() <-chan os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c
}
