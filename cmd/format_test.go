package cmd

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/engine"
	"github.com/vitro-dev/vitro/nsdemo"
)

func renderString(t *testing.T, format string, v any) (string, error) {
	t.Helper()
	var b bytes.Buffer
	err := render(&b, format, v, nil)
	return b.String(), err
}

// A template sees the JSON's keys (docker's names), not the Go fields.
func TestTemplateSeesJSONKeys(t *testing.T) {
	ct := &engine.Container{ID: "abc123", Name: "web"}
	ct.State.Pid = 4242
	out, err := renderString(t, "{{.Id}} {{.Name}} {{.State.Pid}} [{{.NetworkSettings.IPAddress}}]", ct)
	if err != nil {
		t.Fatal(err)
	}
	// NetworkSettings.IPAddress is omitted from the JSON when empty; a
	// template still sees it, empty, as docker's does.
	if out != "abc123 web 4242 []\n" {
		t.Errorf("got %q", out)
	}
	if _, err := renderString(t, "{{.Network}}", ct); err == nil {
		t.Error("the Go field name Network worked; the JSON key is NetworkSettings")
	}
}

func TestTemplateMissingKeyNamesFields(t *testing.T) {
	rows := []psRow{{ID: "a1", Names: "x", Name: "x"}}
	_, err := renderString(t, "{{.Nmae}}", rows)
	if err == nil {
		t.Fatal("a misspelt field printed something instead of failing")
	}
	msg := err.Error()
	for _, want := range []string{`"Nmae"`, "ID, Names, Name, Image"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
}

type fmtSample struct {
	Name    string            `json:"name"`
	Count   int64             `json:"count"`
	Ratio   float64           `json:"ratio"`
	When    time.Time         `json:"when"`
	Tags    []string          `json:"tags"`
	Labels  map[string]string `json:"labels,omitempty"`
	Zebra   string            `json:"zebra"`
	Alpha   string            `json:"alpha"`
	Comment string            `json:"comment,omitempty"`
}

func TestTemplateValuesAndFuncs(t *testing.T) {
	s := fmtSample{Name: "a<b>", Count: 1234567890123, Ratio: 0.5, When: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Tags: []string{"x", "y"}, Zebra: "z", Alpha: "a"}
	for _, tc := range []struct{ format, want string }{
		{"{{.count}}", "1234567890123"}, // not 1.234567890123e+12
		{"{{if gt .count 0}}pos{{end}}", "pos"},
		{"{{.ratio}}", "0.5"},
		{"{{.when}}", "2024-01-02T03:04:05Z"},
		{`{{join .tags ","}}`, "x,y"},
		{"{{upper .name}} {{lower .zebra}}", "A<B> z"},
		{"[{{.comment}}]", "[]"},
		{"{{len .labels}}", "0"},
		// json keeps the order --format json has, and does not escape <.
		{"{{json .}}", `{"name":"a<b>","count":1234567890123,"ratio":0.5,"when":"2024-01-02T03:04:05Z","tags":["x","y"],"zebra":"z","alpha":"a"}`},
		{"{{json .tags}}", `["x","y"]`},
	} {
		out, err := renderString(t, tc.format, s)
		if err != nil {
			t.Errorf("%s: %v", tc.format, err)
			continue
		}
		if out != tc.want+"\n" {
			t.Errorf("%s = %q, want %q", tc.format, out, tc.want)
		}
	}
}

func TestTemplatePerElement(t *testing.T) {
	out, err := renderString(t, "{{.name}}", []fmtSample{{Name: "one"}, {Name: "two"}})
	if err != nil || out != "one\ntwo\n" {
		t.Fatalf("out %q, err %v", out, err)
	}
	var none []fmtSample
	if out, err := renderString(t, "{{.name}}", none); err != nil || out != "" {
		t.Errorf("empty list: out %q, err %v", out, err)
	}
	if out, err := renderString(t, "json", none); err != nil || out != "[]\n" {
		t.Errorf("empty list as json: out %q, err %v", out, err)
	}
}

func TestUnknownFormatIsAnError(t *testing.T) {
	for _, args := range [][]string{
		{"info", "--format", "yaml"},
		{"version", "--format", "jsno"},
		{"ps", "--format", "yaml"},
		{"inspect", "-f", "yaml", "x"},
		{"image", "ls", "--format", "yaml"},
	} {
		out, stderr, code := run(t, append(args, "--data-root", t.TempDir())...)
		if code != ExitVitro || out != "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
		bad := args[len(args)-1]
		if args[0] == "inspect" {
			bad = "yaml"
		}
		if !strings.Contains(stderr, `"`+bad+`"`) || !strings.Contains(stderr, "table, json") {
			t.Errorf("%v: stderr %q", args, stderr)
		}
	}
}

// formatHelp promises a template over the JSON's fields; the example it
// gives must work on every kind of result.
func TestFormatHelpExampleWorks(t *testing.T) {
	if strings.Contains(formatHelp, "{{.Name}}") {
		t.Errorf("formatHelp offers {{.Name}}, which most results lack: %s", formatHelp)
	}
	for _, args := range [][]string{{"info"}, {"version"}, {"ns", "ls", "--type", "uts"}} {
		out, stderr, code := run(t, append(args, "--format", "{{json .}}")...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
			continue
		}
		line, _, _ := strings.Cut(out, "\n")
		if !json.Valid([]byte(line)) {
			t.Errorf("%v: {{json .}} printed %q", args, line)
		}
	}
}

// templateFields reads the field list of a command's Long help: the text
// after "as --format json shows them:" up to the full stop.
func templateFields(t *testing.T, long string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(long, "as --format json shows them:")
	if !ok {
		t.Fatalf("help lists no template fields:\n%s", long)
	}
	rest, _, _ = strings.Cut(rest, ".\n")
	rest = strings.TrimSuffix(strings.TrimSpace(rest), ".")
	var fields []string
	for _, f := range strings.Split(rest, ",") {
		f, _, _ = strings.Cut(strings.TrimSpace(f), " ")
		fields = append(fields, f)
	}
	return fields
}

func TestHelpTemplateFieldsAreJSONKeys(t *testing.T) {
	root := NewRoot()
	for _, tc := range []struct {
		path []string
		v    any
	}{
		{[]string{"info"}, engine.Info{}},
		{[]string{"ps"}, psRow{}},
		{[]string{"ns", "ls"}, nsdemo.Namespace{}},
	} {
		c, _, err := root.Find(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var jv jsonView
		data, err := jv.load(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		m := data.(map[string]any)
		for _, f := range templateFields(t, c.Long) {
			if _, ok := m[f]; !ok {
				t.Errorf("vitro %s --help names template field %q; the JSON has %v", strings.Join(tc.path, " "), f, objectKeys(jv.top))
			}
		}
	}
}

func TestPsRowHasDockerNames(t *testing.T) {
	out, err := renderString(t, "{{.ID}} {{.Names}} {{.Name}}", []psRow{{ID: "0123456789ab", Names: "web", Name: "web"}})
	if err != nil || out != "0123456789ab web web\n" {
		t.Fatalf("out %q, err %v", out, err)
	}
}

func TestNoAliasWithSpace(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, a := range c.Aliases {
			if strings.ContainsAny(a, " \t") {
				t.Errorf("%s has alias %q, which no command line can match", c.CommandPath(), a)
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(NewRoot())
}
