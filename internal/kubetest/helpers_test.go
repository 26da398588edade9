package kubetest

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestMissingBinaryNamesTheInstallCommand(t *testing.T) {
	t.Setenv("GAMEDAY_KUBE_APISERVER", "/nonexistent/apiextensions-apiserver")
	_, err := apiserverPath()
	var m *missingError
	if !errors.As(err, &m) || !strings.Contains(err.Error(), ".ci/kube-apiserver") {
		t.Fatalf("want a missing tool that names .ci/kube-apiserver, got %v", err)
	}
}

func TestNamespaceNamesAreLabels(t *testing.T) {
	s := &Server{}
	seen := map[string]bool{}
	for _, name := range []string{"Simple", "With Spaces/And_UPPER", strings.Repeat("long-", 20), "---"} {
		t.Run(name, func(t *testing.T) {
			for range 2 {
				ns := s.Namespace(t)
				if errs := validation.IsDNS1123Label(ns); len(errs) > 0 || seen[ns] {
					t.Errorf("%q: %v (seen before: %v)", ns, errs, seen[ns])
				}
				seen[ns] = true
			}
		})
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	tb := &tailBuffer{max: 16}
	tb.Write([]byte("first line\nsecond line\nthird\n"))
	if got := tb.String(); !strings.HasSuffix(got, "third\n") || strings.Contains(got, "first") {
		t.Fatalf("tail %q", got)
	}
}
