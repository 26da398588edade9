package kubetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ForbiddenUser is the user whom the stub's authorizer denies everything.
// Its bearer token is its name, as for every user: see Server.KubeconfigFor.
const ForbiddenUser = "forbidden"

// stub stands in for the kube-apiserver that a standalone
// apiextensions-apiserver delegates to: it authenticates a bearer token as
// the user of the same name (TokenReview), allows every request except the
// forbidden user's (SubjectAccessReview) and serves an empty list of
// Services (the server's informer for webhook services). Anything else is
// a 404, noted in unknown for failure messages.
type stub struct {
	srv *httptest.Server

	mu      sync.Mutex
	unknown map[string]int
}

func newStub() *stub {
	s := &stub{unknown: map[string]int{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// close ends the silent watches first: Close waits for every request.
func (s *stub) close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

func (s *stub) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && p == "/apis/authentication.k8s.io/v1/tokenreviews":
		s.tokenReview(w, r)
	case r.Method == http.MethodPost && p == "/apis/authorization.k8s.io/v1/subjectaccessreviews":
		s.accessReview(w, r)
	case r.Method == http.MethodGet && (p == "/api/v1/services" ||
		strings.HasPrefix(p, "/api/v1/namespaces/") && strings.HasSuffix(p, "/services")):
		s.services(w, r)
	default:
		s.mu.Lock()
		s.unknown[r.Method+" "+p]++
		s.mu.Unlock()
		http.NotFound(w, r)
	}
}

// review is the part of a TokenReview or SubjectAccessReview the stub reads
// and writes; both are answered with the request's own object and a status.
type review struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Spec       map[string]any `json:"spec"`
	Status     map[string]any `json:"status"`
}

func readReview(w http.ResponseWriter, r *http.Request) (*review, bool) {
	var rv review
	if err := json.NewDecoder(r.Body).Decode(&rv); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return &rv, true
}

func (s *stub) tokenReview(w http.ResponseWriter, r *http.Request) {
	rv, ok := readReview(w, r)
	if !ok {
		return
	}
	token, _ := rv.Spec["token"].(string)
	if token == "" {
		rv.Status = map[string]any{"authenticated": false, "error": "no token"}
	} else {
		rv.Status = map[string]any{"authenticated": true, "user": map[string]any{
			"username": token, "uid": token, "groups": []string{"system:authenticated"},
		}}
	}
	writeJSON(w, rv)
}

func (s *stub) accessReview(w http.ResponseWriter, r *http.Request) {
	rv, ok := readReview(w, r)
	if !ok {
		return
	}
	if user, _ := rv.Spec["user"].(string); user == ForbiddenUser {
		rv.Status = map[string]any{"allowed": false, "denied": true,
			"reason": "kubetest: user " + ForbiddenUser + " may do nothing"}
	} else {
		rv.Status = map[string]any{"allowed": true, "reason": "kubetest: allowed"}
	}
	writeJSON(w, rv)
}

// services lists none; a watch stays open and silent (after the bookmark
// of a streaming list) until the client's timeoutSeconds (bounded) or until
// the client goes.
func (s *stub) services(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("watch") != "true" && q.Get("watch") != "1" {
		writeJSON(w, map[string]any{"kind": "ServiceList", "apiVersion": "v1",
			"metadata": map[string]any{"resourceVersion": "1"}, "items": []any{}})
		return
	}
	wait := 5 * time.Minute
	if n, err := strconv.Atoi(q.Get("timeoutSeconds")); err == nil && n > 0 && time.Duration(n)*time.Second < wait {
		wait = time.Duration(n) * time.Second
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if q.Get("sendInitialEvents") == "true" {
		// A streaming list (client-go's WatchListClient): no Services,
		// then the bookmark that ends the initial events.
		writeJSON(w, map[string]any{"type": "BOOKMARK", "object": map[string]any{
			"kind": "Service", "apiVersion": "v1", "metadata": map[string]any{
				"resourceVersion": "1",
				"annotations":     map[string]any{"k8s.io/initial-events-end": "true"}}}})
	}
	w.(http.Flusher).Flush()
	select {
	case <-r.Context().Done():
	case <-time.After(wait):
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// unknownRequests says which requests the stub did not serve, for a
// failure message.
func (s *stub) unknownRequests() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for k, n := range s.unknown {
		b.WriteString(k + " ×" + strconv.Itoa(n) + "\n")
	}
	return b.String()
}
