package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/template"

	"github.com/spf13/cobra"
	"github.com/vitro-dev/vitro/internal/table"
	"github.com/vitro-dev/vitro/internal/table/tabletext"
)

// formatHelp is the --format flag's help, the same on every listing.
const formatHelp = "output format: table, json, or a Go template over the fields --format json shows, such as '{{json .}}' (applied to each item of a list)"

// formatAnnotation marks a --format flag that takes table, json or a
// template, so the root command can check its value before any work is done.
const formatAnnotation = "vitro_format"

// addFormatFlag gives a command the --format flag every listing has.
func addFormatFlag(c *cobra.Command, p *string) {
	c.Flags().StringVar(p, "format", "table", formatHelp)
	markFormatFlag(c)
}

// markFormatFlag lets the root command validate c's --format flag early.
func markFormatFlag(c *cobra.Command) {
	_ = c.Flags().SetAnnotation("format", formatAnnotation, []string{"true"})
}

// checkFormatFlag validates c's --format value, when it is one of ours,
// before the command runs: a command that changes things (image prune, a
// demo) must not do its work and then fail to print the result.
func checkFormatFlag(c *cobra.Command) error {
	f := c.Flags().Lookup("format")
	if f == nil || f.Annotations[formatAnnotation] == nil {
		return nil
	}
	_, err := parseFormat(f.Value.String())
	return err
}

// Table is rows of text under a header, for people: the same type the
// demo results lay themselves out in.
type Table = table.Table

// parseFormat accepts "table" (or ""), "json" or a Go template, which
// it parses; the template is nil for table and json.
func parseFormat(format string) (*template.Template, error) {
	switch format {
	case "", "table", "json":
		return nil, nil
	}
	if !strings.Contains(format, "{{") {
		return nil, fmt.Errorf("--format %q: unknown format: use table, json, or a Go template such as '{{json .}}' or '{{.Name}}' (its fields are the keys --format json shows)", format)
	}
	tmpl, err := template.New("format").Funcs(templateFuncs).Option("missingkey=error").Parse(format)
	if err != nil {
		return nil, fmt.Errorf("--format %q: %w (want table, json, or a Go template such as '{{json .}}')", format, err)
	}
	return tmpl, nil
}

// render writes v in the chosen format: "table" (or "") calls table,
// "json" writes v as indented JSON, and a template runs on the JSON form
// of v (the keys --format json shows, as docker's templates see them), on
// each element when that is a list. Every listing goes through here, so
// all of them accept the same formats.
func render(w io.Writer, format string, v any, table func() *Table) error {
	tmpl, err := parseFormat(format)
	if err != nil {
		return err
	}
	switch format {
	case "", "table":
		if table == nil {
			return renderJSON(w, v)
		}
		return writeTable(w, table())
	case "json":
		return renderJSON(w, v)
	}
	var jv jsonView
	data, err := jv.load(v)
	if err != nil {
		return fmt.Errorf("--format %q: %w", format, err)
	}
	jv.fill(data, reflect.ValueOf(v))
	tmpl.Funcs(template.FuncMap{"json": jv.json})
	if data == nil && isList(v) {
		return nil // an empty list: nothing to print
	}
	if list, ok := data.([]any); ok {
		first := firstElement(jv.top)
		for _, item := range list {
			if err := execTemplate(w, tmpl, format, item, first); err != nil {
				return err
			}
		}
		return nil
	}
	return execTemplate(w, tmpl, format, data, jv.top)
}

// isList reports whether v is a slice or array, which JSON writes as
// null when it is nil.
func isList(v any) bool {
	k := reflect.ValueOf(v).Kind()
	return k == reflect.Slice || k == reflect.Array
}

// execTemplate runs tmpl on v; raw is v's JSON, from which an error names
// the fields there are, in the order --format json prints them.
func execTemplate(w io.Writer, tmpl *template.Template, format string, v any, raw []byte) error {
	var b strings.Builder
	if err := tmpl.Execute(&b, v); err != nil {
		if keys := fieldNames(raw, v); len(keys) > 0 {
			return fmt.Errorf("--format %q: %w (the fields are %s; see --format json)", format, err, strings.Join(keys, ", "))
		}
		return fmt.Errorf("--format %q: %w", format, err)
	}
	out := b.String()
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	_, err := io.WriteString(w, out)
	return err
}

func renderJSON(w io.Writer, v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.IsNil() {
		_, err := io.WriteString(w, "[]\n") // an empty list, not null
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeTable prints a table the way docker does: a header in capitals,
// columns padded with spaces, no borders.
func writeTable(w io.Writer, t *Table) error { return tabletext.Write(w, *t) }

// writeTables prints a demo result's tables for people, or, for json and
// a template, the result itself.
func writeTables(w io.Writer, format string, res any, tables func() []table.Table) error {
	if !isTable(format) {
		return render(w, format, res, nil)
	}
	return tabletext.Write(w, tables()...)
}

// isTable reports whether format asks for the human layout.
func isTable(format string) bool { return format == "" || format == "table" }

// tabler is a demo's result: it lays itself out as tables.
type tabler interface{ Tables() []table.Table }

// demoCmd completes c as a demo command: no arguments, a --format flag,
// and a RunE that runs the demo and prints its result, as tables for
// people or as --format asks.
func demoCmd[R tabler](c *cobra.Command, run func(c *cobra.Command) (R, error)) *cobra.Command {
	var format string
	c.Args = cobra.NoArgs
	c.RunE = func(c *cobra.Command, _ []string) error {
		res, err := run(c)
		if err != nil {
			return err
		}
		return writeTables(c.OutOrStdout(), format, res, res.Tables)
	}
	addFormatFlag(c, &format)
	return c
}
