package inject

import (
	"io"
	"strings"
	"sync"
)

// teeWriter writes to a tail and, ignoring its errors, to w, so that a
// failing w never blocks the child's stderr.
type teeWriter struct {
	tail *tailBuffer
	w    io.Writer
}

func (t teeWriter) Write(b []byte) (int, error) {
	t.tail.Write(b)
	if t.w != nil {
		_, _ = t.w.Write(b)
	}
	return len(b), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(b) >= t.max {
		t.buf = append(t.buf[:0], b[len(b)-t.max:]...)
		return
	}
	if over := len(t.buf) + len(b) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, b...)
}

// lastLines returns up to n last non-empty lines, each indented.
func (t *tailBuffer) lastLines(n int) string {
	t.mu.Lock()
	s := string(t.buf)
	t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var b strings.Builder
	for _, l := range lines {
		if l = strings.TrimRight(l, "\r"); l != "" {
			b.WriteString("    " + l + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
