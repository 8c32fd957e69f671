package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offsitebot/offsitebot/storage/storagetest"
)

// benchDataDir names a directory to keep the seeded database in between runs
// of BenchmarkProcessRSS (seeding 10,000 cases takes minutes): seeded when
// empty, used as it is otherwise.
const benchDataDir = "OFFSITEBOT_BENCH_DATA_DIR"

// BenchmarkProcessRSS measures the memory of the real offsitebot process on
// the seed fixture (10,000 cases, 2,000 active, 13 weeks each; runs only with
// OFFSITEBOT_BENCH_LARGE=1): it builds the binary, seeds a data directory,
// runs the shell as an LA officer through the lists that hold every active
// case (cases, due) and one case, and reads the shell's peak and current
// resident memory (VmHWM, VmRSS); then a reminder sweep, a process of its
// own, and its peak. Times are reported beside: the first list reads the
// active cases into memory.
func BenchmarkProcessRSS(b *testing.B) {
	if os.Getenv(storagetest.EnvLarge) == "" {
		b.Skipf("10,000 cases: set %s=1 (and %s to keep the seeded data)", storagetest.EnvLarge, benchDataDir)
	}
	bin := filepath.Join(b.TempDir(), "offsitebot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	dir := os.Getenv(benchDataDir)
	if dir == "" {
		dir = b.TempDir()
	}
	env := append(os.Environ(), "OFFSITEBOT_MONGODB_DATA_DIR="+dir, "OFFSITEBOT_NOW=2026-12-02T10:14:00Z")
	if _, err := os.Stat(filepath.Join(dir, "offsitebot.sqlite")); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		seed := exec.Command(bin, "seed", "--cases", "10000", "--active", "2000", "--weeks", "13")
		seed.Env = env
		if out, err := seed.CombinedOutput(); err != nil {
			b.Fatalf("seed: %v\n%s", err, out)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s-seed")
		b.Logf("seeded in %s; load average %s", time.Since(start).Round(time.Second), loadAverage())
	}
	cmds := []string{"cases", "due", "show OSD-D0000"}
	for b.Loop() {
		took, hwm, rss := runShell(b, bin, env, cmds)
		for i, c := range cmds {
			b.ReportMetric(took[i].Seconds(), "s-"+strings.Fields(c)[0])
		}
		b.ReportMetric(hwm, "MB-peak")
		b.ReportMetric(rss, "MB-rss")

		start := time.Now()
		sweep := exec.Command(bin, "reminders", "run", "--at=2026-12-02T09:40:00Z")
		sweep.Env = env
		if out, err := sweep.CombinedOutput(); err != nil {
			b.Fatalf("sweep: %v\n%s", err, tail(out))
		}
		b.ReportMetric(time.Since(start).Seconds(), "s-sweep")
		b.ReportMetric(float64(sweep.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024, "MB-sweep-peak")
	}
	b.Logf("load average %s", loadAverage())
}

// runShell runs the shell on cmds and returns how long each took, and the
// process's peak and current resident memory in MB once they are done.
func runShell(b *testing.B, bin string, env, cmds []string) (took []time.Duration, hwm, rss float64) {
	b.Helper()
	sh := exec.Command(bin, "shell", "--as", "la")
	sh.Env = env
	stdin, err := sh.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := sh.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr bytes.Buffer
	sh.Stderr = &stderr
	if err := sh.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sh.Process.Kill() }) // on a failure; done by then otherwise
	// The shell echoes each line as it takes it, after the line before is
	// answered: the echo of help, last, says every command is done.
	if _, err := io.WriteString(stdin, strings.Join(append(cmds, "help"), "\n")+"\n"); err != nil {
		b.Fatal(err)
	}
	echoes := make([]time.Time, 0, len(cmds)+1)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for len(echoes) <= len(cmds) && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "> ") {
			echoes = append(echoes, time.Now())
		}
	}
	if len(echoes) <= len(cmds) {
		b.Fatalf("the shell ended before answering every command: %v\n%s", sc.Err(), tail(stderr.Bytes()))
	}
	for i := range cmds {
		took = append(took, echoes[i+1].Sub(echoes[i]))
	}
	hwm, rss = procStatus(b, sh.Process.Pid)
	stdin.Close()
	if _, err := io.Copy(io.Discard, stdout); err != nil { // help's answer
		b.Fatal(err)
	}
	if err := sh.Wait(); err != nil {
		b.Fatalf("shell: %v\n%s", err, tail(stderr.Bytes()))
	}
	return took, hwm, rss
}

// procStatus reads a process's peak and current resident memory in MB.
func procStatus(b *testing.B, pid int) (hwm, rss float64) {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmHWM":
			hwm = kb / 1024
		case "VmRSS":
			rss = kb / 1024
		}
	}
	return hwm, rss
}

// loadAverage is the 1, 5 and 15-minute load averages: the machine's other work.
func loadAverage() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

// tail is the end of a command's output, for a failure.
func tail(out []byte) []byte {
	return out[max(0, len(out)-2000):]
}
