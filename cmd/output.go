package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/template"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"
)

// formatHelp is the --format flag's help, the same on every listing.
const formatHelp = "output format: table, json, or a Go template such as '{{.Name}}' (applied to each item of a list)"

// addFormatFlag gives a command the --format flag every listing has.
func addFormatFlag(c *cobra.Command, p *string) {
	c.Flags().StringVar(p, "format", "table", formatHelp)
}

// Table is rows of text under a header, for people.
type Table struct {
	Header []string
	Rows   [][]string
}

// Append adds a row.
func (t *Table) Append(cells ...string) { t.Rows = append(t.Rows, cells) }

// render writes v in the chosen format: "table" (or "") calls table,
// "json" writes v as indented JSON, anything else is a Go template run
// on v, or on each element when v is a slice. Every listing goes through
// here, so all of them accept the same formats.
func render(w io.Writer, format string, v any, table func() *Table) error {
	switch format {
	case "", "table":
		if table == nil {
			return renderJSON(w, v)
		}
		return writeTable(w, table())
	case "json":
		return renderJSON(w, v)
	}
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return fmt.Errorf("--format %q: %w (want table, json or a Go template such as '{{.Name}}')", format, err)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		for i := 0; i < rv.Len(); i++ {
			if err := execTemplate(w, tmpl, format, rv.Index(i).Interface()); err != nil {
				return err
			}
		}
		return nil
	}
	return execTemplate(w, tmpl, format, v)
}

func execTemplate(w io.Writer, tmpl *template.Template, format string, v any) error {
	var b strings.Builder
	if err := tmpl.Execute(&b, v); err != nil {
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// writeTable prints a table the way docker does: a header in capitals,
// columns padded with spaces, no borders.
func writeTable(w io.Writer, t *Table) error {
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "   ", Overwrite: true}),
	)
	header := make([]any, len(t.Header))
	for i, h := range t.Header {
		header[i] = strings.ToUpper(h)
	}
	tbl.Header(header...)
	for _, r := range t.Rows {
		row := make([]any, len(r))
		for i, c := range r {
			row[i] = c
		}
		if err := tbl.Append(row...); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	// The last column is padded too; trim it so lines end where text does.
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}
