package probes

import "testing"

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:9090/api", "http://127.0.0.1:9090/api"},
		{"http://user:pw@127.0.0.1:9090/api", "http://127.0.0.1:9090/api"},
		{"https://user@host/", "https://host/"},
		{"http://host/metrics?token=abc", "http://host/metrics?…"},
		{"http://host/metrics?", "http://host/metrics?…"},
		{"http://host/x#frag", "http://host/x?…"},
		{"http://u:p@host:bad/?token=abc", "http://host:bad/?…"}, // unparsable: by hand
		{"http://u:p@w@host/%zz", "http://host/%zz"},             // '@' in the password
		{"u:p@host:1/x", "host:1/x"},                             // no scheme
		{"http://u:p@[::1]:9090/%zz", "http://[::1]:9090/%zz"},   // IPv6
		{"", ""},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"  short \n", 10, "short"},
		{"0123456789abc", 4, "…9abc"},
		{"aé", 1, "…"}, // the cut would start inside é: nothing left but the mark
	}
	for _, tt := range tests {
		if got := excerpt(tt.in, tt.n); got != tt.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
