package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// revertWorld is a system with one fault of each kind that outlives a
// process or a connection: a process gameday did not start (so it
// survives gameday), a command fault, a toxic on a real Toxiproxy server,
// and gameday's own HTTP proxy.
type revertWorld struct {
	t        *testing.T
	victim   *exec.Cmd
	mark     string
	toxi     *toxiclient.Client
	web      string // the proxy's address
	file     string
	state    string
	bin      string
	upstream *httptest.Server
	env      string // the variables the experiment file reads, for sh
}

const revertFile = `name: revert test
targets:
  proxies: [{name: web, listen: "${WEB}", upstream: "${UPSTREAM}"}]
  toxiproxy: [{name: tp, server: "${TOXI_API}"}]
  processes: [{name: victim, pid: "${VICTIM_PID}"}]
blocks:
  - {name: pause, fault: {kind: pause, target: victim}}
  - {name: cmd, fault: {kind: command, start: [touch, "${MARK}"], revert: [rm, -f, "${MARK}"]}}
  - {name: toxic, fault: {kind: latency, target: tp, delay: 500ms}}
  - {name: web errors, fault: {kind: error, target: web, status: 503}}
  - {name: everything, parallel: [pause, cmd, toxic, web errors]}
`

func newRevertWorld(t *testing.T) *revertWorld {
	t.Helper()
	w := &revertWorld{t: t, mark: filepath.Join(t.TempDir(), "fault-on"), state: filepath.Join(t.TempDir(), "state.json")}
	w.victim = exec.Command("sleep", "600")
	if err := w.victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.victim.Process.Kill(); _ = w.victim.Wait() })

	w.upstream = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, "ok") }))
	t.Cleanup(w.upstream.Close)

	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { echo.Close() })
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	api := freeAddr(t)
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	go func() { _ = server.Listen(api) }()
	t.Cleanup(func() { _ = server.Shutdown() })
	w.toxi = toxiclient.NewClient("http://" + api)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err = w.toxi.CreateProxy("tp", "127.0.0.1:0", echo.Addr().String()); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	w.web = freeAddr(t)
	w.file = filepath.Join(t.TempDir(), "revert.yaml")
	writeFile(t, w.file, revertFile)
	w.bin = ownBinary(t)
	// The command in tmux gets these on its command line: a tmux session
	// takes the environment of the server, not of this test.
	w.env = fmt.Sprintf("WEB=%s UPSTREAM=%s TOXI_API=%s VICTIM_PID=%d MARK=%s",
		shq(w.web), shq(w.upstream.URL), shq("http://"+api), w.victim.Process.Pid, shq(w.mark))
	for _, kv := range [][2]string{{"WEB", w.web}, {"UPSTREAM", w.upstream.URL}, {"TOXI_API", "http://" + api},
		{"VICTIM_PID", fmt.Sprint(w.victim.Process.Pid)}, {"MARK", w.mark}} {
		t.Setenv(kv[0], kv[1]) // for the commands the test runs itself
	}
	return w
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// play starts gameday play on the file in tmux and switches every fault on.
func (w *revertWorld) play(env string) *tmuxPane {
	w.t.Helper()
	p := startPane(w.t, 160, 48, fmt.Sprintf("%s %s %s play --yes --state-file %s --log-file %s %s",
		w.env, env, shq(w.bin), shq(w.state), shq(filepath.Join(w.t.TempDir(), "log")), shq(w.file)))
	p.waitText("READY", 20*time.Second)
	p.keys("j", "j", "j", "j", "Enter")
	p.waitFor("every fault on", 10*time.Second, func(s string) bool { return strings.Contains(line(s, "everything"), "● ON") })
	w.requireOn()
	return p
}

func (w *revertWorld) toxics() int {
	p, err := w.toxi.Proxy("tp")
	if err != nil {
		w.t.Fatalf("toxiproxy: %v", err)
	}
	ts, err := p.Toxics()
	if err != nil {
		w.t.Fatalf("toxiproxy: %v", err)
	}
	return len(ts)
}

func (w *revertWorld) webStatus() int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + w.web + "/x")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (w *revertWorld) requireOn() {
	w.t.Helper()
	if st := procState(w.victim.Process.Pid); st != "T" {
		w.t.Fatalf("the victim process is %q, want T (paused)", st)
	}
	if _, err := os.Stat(w.mark); err != nil {
		w.t.Fatalf("the command fault did not run: %v", err)
	}
	if n := w.toxics(); n != 1 {
		w.t.Fatalf("%d toxics on the Toxiproxy proxy, want 1", n)
	}
	if s := w.webStatus(); s != 503 {
		w.t.Fatalf("the web proxy answers %d, want 503 (the error fault)", s)
	}
}

// requireReverted checks that every fault is gone; web says whether
// gameday (and its proxy) still runs.
func (w *revertWorld) requireReverted(web bool) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var why string
	for time.Now().Before(deadline) {
		why = ""
		if st := procState(w.victim.Process.Pid); st == "T" || st == "" {
			why = fmt.Sprintf("the victim process is %q, want running", st)
		} else if _, err := os.Stat(w.mark); err == nil {
			why = "the revert command did not run: the mark file is still there"
		} else if n := w.toxics(); n != 0 {
			why = fmt.Sprintf("%d toxics left on the Toxiproxy proxy", n)
		} else if s := w.webStatus(); web && s != 200 {
			why = fmt.Sprintf("the web proxy answers %d, want 200 (clean)", s)
		}
		if why == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatal(why)
}

func gamedayPID(t *testing.T, bin string) int {
	for pid, cmd := range processesOf(bin) {
		if strings.Contains(cmd, " play ") {
			return pid
		}
	}
	t.Fatalf("no gameday play process of %s", bin)
	return 0
}

// TestRevertOnEveryExitPath: a real fault of each kind is on; each way
// of ending it (halt, halt all, quit, ctrl+c, SIGINT, SIGTERM, SIGHUP, a
// panic) leaves nothing behind.
func TestRevertOnEveryExitPath(t *testing.T) {
	requireTool(t, "tmux")
	cases := []struct {
		name    string
		env     string
		end     func(w *revertWorld, p *tmuxPane)
		running bool // gameday still runs after end
	}{
		{"halt", "", func(w *revertWorld, p *tmuxPane) { p.keys("x") }, true},
		{"halt all", "", func(w *revertWorld, p *tmuxPane) { p.keys("!") }, true},
		{"quit", "", func(w *revertWorld, p *tmuxPane) { p.keys("q") }, false},
		{"ctrl+c", "", func(w *revertWorld, p *tmuxPane) { p.keys("C-c") }, false},
		{"SIGINT", "", func(w *revertWorld, p *tmuxPane) { _ = syscall.Kill(gamedayPID(w.t, w.bin), syscall.SIGINT) }, false},
		{"SIGTERM", "", func(w *revertWorld, p *tmuxPane) { _ = syscall.Kill(gamedayPID(w.t, w.bin), syscall.SIGTERM) }, false},
		{"SIGHUP", "", func(w *revertWorld, p *tmuxPane) { _ = execTmux("kill-session", "-t", p.name) }, false},
		{"panic", "GAMEDAY_TEST_PANIC=cockpit", func(w *revertWorld, p *tmuxPane) { p.keys("P") }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newRevertWorld(t)
			p := w.play(tc.env)
			tc.end(w, p)
			if !tc.running {
				waitGone(t, w.bin, 15*time.Second)
			}
			w.requireReverted(tc.running)
			if tc.name == "panic" {
				if s := p.capture(); !strings.Contains(s, "gameday exited 2") {
					t.Errorf("a panic should exit 2; screen:\n%s", s)
				}
			}
			if tc.running {
				p.keys("q")
				waitGone(t, w.bin, 15*time.Second)
			}
		})
	}
}

// TestRecoverAfterKill9: gameday killed outright leaves the faults on
// (nothing can run in a SIGKILLed process); the state file says what they
// are, the next start refuses, and gameday recover reverts them all.
func TestRecoverAfterKill9(t *testing.T) {
	requireTool(t, "tmux")
	w := newRevertWorld(t)
	p := w.play("")
	_ = syscall.Kill(gamedayPID(t, w.bin), syscall.SIGKILL)
	waitGone(t, w.bin, 10*time.Second)
	// The toxic and the paused process outlive gameday; the proxy died
	// with it.
	if st := procState(w.victim.Process.Pid); st != "T" {
		t.Fatalf("after kill -9 the victim is %q; the test needs it still paused", st)
	}
	if w.toxics() != 1 {
		t.Fatal("after kill -9 the toxic should still be there")
	}
	_ = p

	out, err := exec.Command(w.bin, "play", "--state-file", w.state, w.file).CombinedOutput()
	if code := exitCodeOf(err); code != 2 || !strings.Contains(string(out), "gameday recover") {
		t.Fatalf("a start with faults left on: exit %d, want 2 and a hint at gameday recover:\n%s", code, out)
	}
	out, err = exec.Command(w.bin, "recover", "--state-file", w.state).CombinedOutput()
	if err != nil {
		t.Fatalf("gameday recover: %v\n%s", err, out)
	}
	for _, want := range []string{"SIGCONT", "toxic", "rm -f"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("recover's report lacks %q:\n%s", want, out)
		}
	}
	w.requireReverted(false)
	out, err = exec.Command(w.bin, "recover", "--state-file", w.state).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "nothing to revert") {
		t.Fatalf("a second recover: %v\n%s", err, out)
	}
}

func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
