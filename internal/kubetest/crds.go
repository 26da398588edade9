package kubetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
)

// The Chaos Mesh whose CRDs the server serves: its module is read from the
// Go module cache (go mod download), never copied into this repository.
const (
	ChaosMeshModule  = "github.com/chaos-mesh/chaos-mesh"
	ChaosMeshVersion = "v0.9.1-0.20260902003049-47411975a8cb"
	chaosMeshCRDFile = "manifests/crd.yaml"
)

const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

// chaosMeshCRDs downloads Chaos Mesh's module (a no-op when cached) and
// returns the YAML documents of its manifests/crd.yaml, unparsed: the
// server parses them (3 MB of YAML takes 5 s to parse under -race).
func chaosMeshCRDs(ctx context.Context, workDir string) ([][]byte, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, &missingError{what: "the go command (for go mod download " + ChaosMeshModule + ")", install: "install Go"}
	}
	cmd := exec.CommandContext(ctx, goTool, "mod", "download", "-json", ChaosMeshModule+"@"+ChaosMeshVersion)
	cmd.Dir = workDir // outside any module: no go.mod is read or written
	cmd.Env = append(os.Environ(), "GOWORK=off")
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &mod); jerr != nil || mod.Error != "" || err != nil {
		return nil, fmt.Errorf("go mod download %s@%s: %v %s\n%s", ChaosMeshModule, ChaosMeshVersion, err, mod.Error, stderr)
	}
	path := filepath.Join(mod.Dir, chaosMeshCRDFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var docs [][]byte
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s holds no document", path)
	}
	return docs, nil
}

// installCRDs creates the CRDs from their YAML, then waits until each is
// Established and its resource is in the server's discovery (which lags a
// little behind, and which a client needs to map a kind to its resource).
func installCRDs(ctx context.Context, cfg *rest.Config, docs [][]byte) ([]string, error) {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	defer client.CloseIdleConnections()
	var names []string
	served := map[string][]string{} // plurals by group/version
	for _, doc := range docs {
		var crd crdAnswer
		if err := call(ctx, client, http.MethodPost, cfg.Host+crdPath, doc, &crd); err != nil {
			return nil, fmt.Errorf("create a CRD of %s: %w", chaosMeshCRDFile, err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("create a CRD of %s: the server made a %q", chaosMeshCRDFile, crd.Kind)
		}
		names = append(names, crd.Metadata.Name)
		for _, v := range crd.Spec.Versions {
			if v.Served {
				gv := crd.Spec.Group + "/" + v.Name
				served[gv] = append(served[gv], crd.Spec.Names.Plural)
			}
		}
	}
	for _, name := range names {
		for {
			var crd crdAnswer
			err := call(ctx, client, http.MethodGet, cfg.Host+crdPath+"/"+name, nil, &crd)
			if err == nil && crd.established() {
				break
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("CRD %s not Established: %v (last error: %v)", name, ctx.Err(), err)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	for gv, plurals := range served {
		if err := waitDiscovery(ctx, client, cfg.Host+"/apis/"+gv, plurals); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// waitDiscovery polls a group/version's discovery until it lists every
// one of plurals.
func waitDiscovery(ctx context.Context, c *http.Client, url string, plurals []string) error {
	for {
		var list struct{ Resources []struct{ Name string } }
		err := call(ctx, c, http.MethodGet, url, nil, &list)
		listed := map[string]bool{}
		for _, r := range list.Resources {
			listed[r.Name] = true
		}
		missing := ""
		for _, p := range plurals {
			if !listed[p] {
				missing = p
			}
		}
		if err == nil && missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not in discovery %s: %v (last error: %v)", missing, url, ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// crdAnswer is what installCRDs reads of a CRD.
type crdAnswer struct {
	Kind     string
	Metadata struct{ Name string }
	Spec     struct {
		Group    string
		Names    struct{ Plural string }
		Versions []struct {
			Name   string
			Served bool
		}
	}
	Status struct {
		Conditions []struct{ Type, Status string }
	}
}

func (c *crdAnswer) established() bool {
	for _, cond := range c.Status.Conditions {
		if cond.Type == "Established" && cond.Status == "True" {
			return true
		}
	}
	return false
}

// call sends body (YAML) and decodes a 2xx answer into out.
func call(ctx context.Context, c *http.Client, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, msg)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
