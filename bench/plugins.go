package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ci-authz/ci-authz/bench/load"
	"github.com/ci-authz/ci-authz/internal/testhost"
)

// pluginProc is a plugin process the benchmark started.
type pluginProc struct {
	name   string // as dockerd knows it (legacy plugin: the socket's base name)
	socket string
	cmd    *exec.Cmd
	done   chan struct{}
	out    string // its stdout and stderr
}

// startPlugin starts argv, which must listen on socket, and waits until it
// answers the plugin handshake.
func startPlugin(name, socket, outFile string, argv ...string) (*pluginProc, error) {
	f, err := os.OpenFile(outFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	p := &pluginProc{name: name, socket: socket, cmd: exec.Command(argv[0], argv[1:]...), done: make(chan struct{}), out: outFile}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.Env = testhost.CleanEnv()
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	go func() {
		p.cmd.Wait()
		f.Close()
		close(p.done)
	}()
	c := load.UnixClient(socket, 5*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-p.done:
			b, _ := os.ReadFile(outFile)
			return nil, fmt.Errorf("%s exited: %s", name, b)
		default:
		}
		b, err := load.Call(context.Background(), c, http.MethodPost, "http://plugin/Plugin.Activate", nil, nil, 200)
		if err == nil && strings.Contains(string(b), "authz") {
			c.CloseIdleConnections()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not answer /Plugin.Activate on %s: %v", name, socket, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits, then SIGKILLs. Idempotent.
func (p *pluginProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	os.Remove(p.socket)
}

// Memory is a process's resident memory from /proc/<pid>/status.
type Memory struct {
	PeakRSSKiB int `json:"peakRssKiB"` // VmHWM: the most it ever had resident
	RSSKiB     int `json:"rssKiB"`     // VmRSS: now
}

// memory reads pid's resident memory.
func memory(pid int) (Memory, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.Atoi(f[0])
		switch k {
		case "VmHWM":
			m.PeakRSSKiB = n
		case "VmRSS":
			m.RSSKiB = n
		}
	}
	return m, sc.Err()
}

// nullCounts asks the null plugin how often it was called.
func nullCounts(socket string) (c struct{ Req, Res uint64 }, err error) {
	cl := load.UnixClient(socket, 5*time.Second)
	defer cl.CloseIdleConnections()
	b, err := load.Call(context.Background(), cl, http.MethodPost, "http://plugin/NullPlugin.Count", nil, nil, 200)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

// cpuTime is the CPU time pid has used so far, all threads, user and
// system (/proc/<pid>/stat utime+stime, in clock ticks of 1/100 s).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %v %v", pid, err1, err2)
	}
	const clockTick = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clockTick, nil
}
