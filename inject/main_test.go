package inject_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv, when set, makes the test binary act as a child process for the
// process tests; its value is the child's mode (see runChild).
const childEnv = "GAMEDAY_INJECT_TEST_CHILD"

// pidFileEnv names the file that a child in mode pidfile or once writes.
const pidFileEnv = "GAMEDAY_INJECT_TEST_PIDFILE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// childLifetime bounds every child, in case a test fails to stop it.
const childLifetime = 2 * time.Minute

// runChild is the body of a child process. Modes:
//
//	serve       serves "ok" on a loopback port, prints "READY http://addr"
//	crash       prints READY, then fails with exit status 3
//	early-exit  fails with exit status 2 before printing READY
//	silent      prints other lines but never READY
//	stubborn    ignores SIGTERM, prints READY
//	flood       prints READY, then 1 MiB of lines, then exits 0
//	pidfile     writes its PID, a newline and more to the file named by
//	            $GAMEDAY_INJECT_TEST_PIDFILE (as daemons do), then sleeps
//	once        the first time (no file $GAMEDAY_INJECT_TEST_PIDFILE yet),
//	            creates that file, prints READY and exits 0; later, never
//	            prints READY
func runChild(mode string) int {
	fmt.Fprintf(os.Stderr, "child %s: pid=%d\n", mode, os.Getpid())
	switch mode {
	case "serve":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			return 1
		}
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "ok")
		}))
		fmt.Fprintln(os.Stderr, "child: serving")
		fmt.Printf("starting up\nREADY http://%s  \n", ln.Addr())
		for i := 0; ; i++ { // keep stdout busy: it must be drained
			fmt.Printf("tick %d\n", i)
			time.Sleep(20 * time.Millisecond)
			if time.Duration(i)*20*time.Millisecond > childLifetime {
				return 0
			}
		}
	case "crash":
		fmt.Println("READY")
		time.Sleep(200 * time.Millisecond)
		fmt.Fprintln(os.Stderr, "crash: simulated failure")
		return 3
	case "early-exit":
		fmt.Println("loading config")
		fmt.Fprintln(os.Stderr, "fatal: missing config")
		return 2
	case "silent":
		fmt.Println("starting up, slowly")
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("READY")
	case "pidfile":
		path := os.Getenv(pidFileEnv)
		tmp := path + ".tmp" // rename: a reader never sees half a file
		if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d\nstarted by the inject tests\n", os.Getpid()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.Rename(tmp, path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case "once":
		f, err := os.OpenFile(os.Getenv(pidFileEnv), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			fmt.Println("READY")
			return 0
		}
		fmt.Println("starting again, slowly")
	case "flood":
		fmt.Println("READY")
		line := strings.Repeat("x", 1023) + "\n"
		for range 1024 {
			os.Stdout.WriteString(line)
		}
		return 0
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 1
	}
	time.Sleep(childLifetime)
	return 0
}
