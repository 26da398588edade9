package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The two secrets of TestSecretsNeverWritten: a plain token (it goes into
// URLs, headers, arguments) and one with a quote and a tab, whose escaped
// forms differ from it.
const (
	plainSecret  = "tok-Secr3t-9q"
	quotedSecret = "q\"uo\tte-Z7"
)

// secretForms are the secrets as any writer might write them.
func secretForms() []string {
	var out []string
	for _, s := range []string{plainSecret, quotedSecret} {
		j, _ := json.Marshal(s)
		out = append(out, s, strings.Trim(strconv.Quote(s), `"`), strings.Trim(string(j), `"`),
			url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s))
	}
	return out
}

// leaks names the forms of a secret found in text.
func leaks(text string) []string {
	var found []string
	for _, f := range secretForms() {
		if strings.Contains(text, f) {
			found = append(found, strconv.Quote(f))
		}
	}
	return found
}

// TestSecretsNeverWritten plants the secrets in every field of an
// experiment that takes a ${NAME} (names aside), runs it headless with a
// journal, a report, a log and /metrics, kills a second run with a fault
// on and recovers it, and greps everything gameday wrote.
func TestSecretsNeverWritten(t *testing.T) {
	bin := ownBinary(t)
	dir := t.TempDir()
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer svc.Close()
	up := strings.TrimPrefix(svc.URL, "http://")
	file := filepath.Join(dir, "secret.yaml")
	writeFile(t, file, fmt.Sprintf(`name: secrets ${TOKEN}
description: "a game day with ${TOKEN} and ${QUOTED} in it"
secrets: [TOKEN, QUOTED]
interval: 100ms
matrix:
  tok: ["${TOKEN}"]
targets:
  proxies:
    - {name: api, upstream: "http://%[1]s"}
load:
  - name: checkout
    url: "http://%[1]s/checkout?key=${TOKEN}"
    rate: 20/s
    headers: {Authorization: "Bearer ${TOKEN}"}
    body: "{\"token\": \"${TOKEN}\", \"q\": \"${QUOTED}\"}"
    method: POST
probes:
  - {name: health, kind: http, url: "http://%[1]s/health?key=${TOKEN}", headers: {X-Token: "${TOKEN}"}, every: 200ms}
  - {name: echo, kind: command, command: [sh, -c, 'echo 1 # ${TOKEN} ${QUOTED}'], every: 500ms}
assumptions:
  - {name: p99, series: checkout, aggregate: p99, window: 2s, below: 500ms}
blocks:
  - name: marked
    description: "writes ${TOKEN} and ${QUOTED} down"
    fault:
      kind: command
      start: [sh, -c, 'echo start "$1" "$2"; touch %[2]s/on', sh, "${TOKEN}", "${QUOTED}"]
      revert: [sh, -c, 'echo revert "$1" "$2"; rm -f %[2]s/on; touch %[2]s/reverted', sh, "${TOKEN}", "${QUOTED}"]
  - {name: slow, description: "${QUOTED} ${matrix.tok}", fault: {kind: latency, target: api, delay: 20ms}}
charts:
  - title: "latency of ${TOKEN} ${QUOTED}"
    series: [{series: checkout.p99, label: "p99 ${QUOTED} ${TOKEN}"}]
schedule:
  baseline: 500ms
  steps:
    - {blocks: [marked, slow], for: 1s, note: "note ${TOKEN} ${QUOTED}"}
  recovery: 500ms
`, up, dir))
	env := append(os.Environ(), "TOKEN="+plainSecret, "QUOTED="+quotedSecret)
	state := filepath.Join(dir, "state.json")
	out, log := filepath.Join(dir, "out"), filepath.Join(dir, "run.log")
	metrics := freeAddr(t)

	// validate and --expand
	for _, args := range [][]string{{"validate", file}, {"validate", "--expand", file}, {"run", "--dry-run", file}} {
		cmd := exec.Command(bin, append([]string{"--state-file", state}, args...)...)
		cmd.Env = env
		text, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, text)
		}
		if l := leaks(string(text)); len(l) > 0 {
			t.Errorf("gameday %s prints %v:\n%s", strings.Join(args, " "), l, text)
		}
	}

	// A run, with /metrics scraped while it goes.
	run := exec.Command(bin, "--state-file", state, "--metrics-addr", metrics, "run", "--out", out, "--log-file", log, file)
	run.Env = env
	stdout := &strings.Builder{}
	run.Stdout, run.Stderr = stdout, stdout
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	var scraped strings.Builder
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if resp, err := http.Get("http://" + metrics + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			scraped.Write(b)
		}
		if run.ProcessState != nil {
			break
		}
		if _, err := os.Stat(filepath.Join(dir, "reverted")); err == nil {
			break
		}
	}
	_ = run.Wait()
	if scraped.Len() == 0 {
		t.Error("/metrics was never scraped")
	}
	if _, err := os.Stat(filepath.Join(dir, "reverted")); err != nil {
		t.Fatalf("the command fault never reverted; output:\n%s", stdout.String())
	}
	written := map[string]string{"stdout and stderr": stdout.String(), "/metrics": scraped.String()}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	files = append(files, log)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		written[filepath.Base(f)] = string(b)
	}
	for _, want := range []string{"journal.jsonl", "summary.json", "junit.xml", "report.md", "report.html"} {
		if _, ok := written[want]; !ok {
			t.Errorf("the run wrote no %s (it wrote %d files)", want, len(files))
		}
	}
	for what, text := range written {
		if l := leaks(text); len(l) > 0 {
			t.Errorf("%s holds %v", what, l)
		}
	}
	if !strings.Contains(written["journal.jsonl"], "••••••") {
		t.Error("the journal shows no masked secret: was anything planted?")
	}

	// A second run killed with the command fault on, then recovered.
	_ = os.Remove(filepath.Join(dir, "reverted"))
	crash := exec.Command(bin, "--state-file", state, "run", "--log-file", log, file)
	crash.Env = env
	crash.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := crash.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "on")); err == nil {
			break
		}
	}
	_ = syscall.Kill(crash.Process.Pid, syscall.SIGKILL)
	_ = crash.Wait()
	rec := exec.Command(bin, "--state-file", state, "recover")
	rec.Env = env
	text, err := rec.CombinedOutput()
	if err != nil {
		t.Fatalf("recover: %v\n%s", err, text)
	}
	if _, err := os.Stat(filepath.Join(dir, "reverted")); err != nil {
		t.Fatalf("recover did not run the revert:\n%s", text)
	}
	if l := leaks(string(text)); len(l) > 0 {
		t.Errorf("gameday recover prints %v:\n%s", l, text)
	}
	st, _ := os.ReadFile(state)
	if strings.Contains(string(st), `"key"`) {
		t.Errorf("the state file still holds entries after recover:\n%s", st)
	}
}
