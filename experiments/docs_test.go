package experiments_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gameday-dev/gameday/experiments"
)

// TestSchemaDocumented fails when the schema has a key that
// docs/experiments.md does not document, so the two cannot drift.
func TestSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/experiments.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := experiments.SchemaKeys()
	if len(keys) < 50 {
		t.Fatalf("only %d schema keys: the schema listing is broken", len(keys))
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/experiments.md does not document `%s`", k)
		}
	}
}
