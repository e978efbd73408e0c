// Package tabletext lays out tables for a terminal, as docker does: a
// header in capitals, columns padded with spaces, no borders. It is the
// one renderer of the CLI's listings and of every demo result, in the CLI
// and in the lessons alike.
package tabletext

import (
	"bytes"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/vitro-dev/vitro/internal/table"
)

// Write prints ts one after the other, a blank line between two: each
// one's title, its header and rows aligned in columns, then its notes.
// Lines end where their text does.
func Write(w io.Writer, ts ...table.Table) error {
	var buf bytes.Buffer
	for i, t := range ts {
		if i > 0 {
			buf.WriteByte('\n')
		}
		if t.Title != "" {
			buf.WriteString(strings.TrimSuffix(t.Title, "\n") + "\n")
		}
		if len(t.Header) > 0 || len(t.Rows) > 0 {
			if err := grid(&buf, t); err != nil {
				return err
			}
		}
		for _, n := range t.Notes {
			buf.WriteString(n + "\n")
		}
	}
	// tablewriter pads the last column too: trim every line so that it
	// ends where its text does.
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			out.WriteString(strings.TrimRight(line, " \n") + "\n")
		}
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// grid renders t's header and rows with tablewriter.
func grid(w io.Writer, t table.Table) error {
	tbl := tablewriter.NewTable(w,
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
	if len(t.Header) > 0 {
		header := make([]any, len(t.Header))
		for i, h := range t.Header {
			header[i] = strings.ToUpper(h)
		}
		tbl.Header(header...)
	}
	for _, r := range t.Rows {
		row := make([]any, len(r))
		for i, c := range r {
			row[i] = c
		}
		if err := tbl.Append(row...); err != nil {
			return err
		}
	}
	return tbl.Render()
}
