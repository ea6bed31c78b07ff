package runtime_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/icon/runtime/testdata/testplugin"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// Volatile parts of transcripts: log timestamps, random request ids and
// the stack of a recovered panic.
var (
	timeRE  = regexp.MustCompile(`time=\S+`)
	idRE    = regexp.MustCompile(`request_id=[0-9a-f]{16}\b`)
	stackRE = regexp.MustCompile(`stack=\\"goroutine.*?\\n\\"`)
	threads = regexp.MustCompile(`"threads":\d+`)
)

func normalise(s string) string {
	s = timeRE.ReplaceAllString(s, "time=TIME")
	s = idRE.ReplaceAllString(s, "request_id=RANDOM")
	s = stackRE.ReplaceAllString(s, `stack=\"STACK\"`)
	return threads.ReplaceAllString(s, `"threads":N`)
}

// checkGolden compares got with testdata/golden/name, rewriting it with
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

const conn = `"connection":{"base_url":"http://127.0.0.1:1","api_key":{"secretKey":"k-123456"}}`

func TestTranscripts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"action_ok", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-1", "stepId":"s1"},` + conn + `,"input":{"message":"hi","count":2.0,"when":"2024-01-02T15:04:05Z","colour":null}}}`},
		{"action_default_command_after_dashes", []string{"--",
			`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-2"},` + conn + `,"input":{"message":"x"}}}`}, ""},
		{"input_invalid", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-3"},` + conn + `,"input":{"count":"two","when":"yesterday","colour":"blue"}}}`},
		{"handler_preset_error", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"fail","meta":{"jobId":"job-4"},` + conn + `,"input":{"preset":"rate_limit"}}}`},
		{"handler_plain_error", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"fail","meta":{"jobId":"job-5"},` + conn + `,"input":{"preset":"nope"}}}`},
		{"output_invalid", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"bad_output","meta":{"jobId":"job-6"},` + conn + `}}`},
		{"handler_panic", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"panic","meta":{"jobId":"job-7"},` + conn + `}}`},
		{"connection_invalid", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-8"},"connection":{"base_url":7},"input":{"message":"x"}}}`},
		{"test_ok", []string{"test"},
			`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-9"},` + conn + `}}`},
		{"test_fail_exception", []string{"test"},
			`{"version":"v1","type":"action_start","body":{"action":"echo","meta":{"jobId":"job-10"},"connection":{"base_url":"http://fail","api_key":{"secretKey":"k-123456"}}}}`},
		{"test_fail_plain_error", []string{"test"},
			`{"version":"v1","type":"connection_test","body":{"meta":{"jobId":"job-11"},"connection":{"base_url":"http://error","api_key":{"secretKey":"k-123456"}}}}`},
		{"trigger_test", []string{"test"},
			`{"version":"v1","type":"trigger_start","body":{"trigger":"tick","meta":{"jobId":"job-12"},` + conn + `,"dispatcher":{"url":"","webhook_url":""}}}`},
		{"task_ok", []string{"run"},
			`{"version":"v1","type":"task_start","body":{"task":"pages","meta":{"jobId":"job-13"},` + conn + `,"state":{"cursor":1}}}`},
		{"trigger_stdout_no_url", []string{"run"},
			`{"version":"v1","type":"trigger_start","body":{"trigger":"tick","meta":{"jobId":"job-14"},` + conn + `,"input":{"count":2,"stop":true}}}`},
		{"unknown_action", []string{"run"},
			`{"version":"v1","type":"action_start","body":{"action":"nope","meta":{"jobId":"job-15"},` + conn + `}}`},
		{"bad_version", []string{"run"}, `{"version":"v2","type":"action_start","body":{"action":"echo"}}`},
		{"not_json", []string{"run"}, `{"version":`},
		{"info", []string{"info"}, ""},
		{"sample_action", []string{"sample", "echo"}, ""},
		{"sample_trigger", []string{"sample", "tick"}, ""},
		{"sample_task", []string{"sample", "pages"}, ""},
		{"sample_unknown", []string{"sample", "nope"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := runtime.Run(t.Context(), testplugin.Plugin(), tc.args,
				strings.NewReader(tc.stdin), &stdout, &stderr)
			got := "exit: " + strconv.Itoa(code) + "\n--- stdout\n" + stdout.String() +
				"--- stderr\n" + stderr.String()
			checkGolden(t, "run_"+tc.name+".txt", normalise(got))
		})
	}
}
