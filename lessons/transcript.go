package lessons

import (
	"context"
	"strings"
)

// Transcript is a lesson played without pauses, with every live step's
// structured result: what `vitro lesson ID --format json` prints.
type Transcript struct {
	Number        int              `json:"number"`
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	Minutes       int              `json:"minutes"`
	Prerequisites []string         `json:"prerequisites,omitempty"`
	Labs          []string         `json:"labs,omitempty"`
	Steps         []TranscriptStep `json:"steps"`
	Failed        int              `json:"failed"` // live steps that failed or broke a promise
}

// TranscriptStep is one step with its blocks.
type TranscriptStep struct {
	Title  string            `json:"title"`
	Blocks []TranscriptBlock `json:"blocks"`
}

// TranscriptBlock is a block; a demo block carries its live output.
type TranscriptBlock struct {
	Block
	Result   any        `json:"result,omitempty"`
	Output   string     `json:"output,omitempty"` // the demo's text rendering
	Evidence []Evidence `json:"evidence,omitempty"`
	Error    string     `json:"error,omitempty"`
}

// Record plays l from the first step to the last without pausing and
// returns what happened.
func Record(ctx context.Context, l *Lesson) (*Transcript, error) {
	t := &Transcript{Number: l.Number, ID: l.ID, Title: l.Title, Minutes: l.Minutes, Prerequisites: l.Prerequisites, Labs: l.Labs}
	for _, s := range l.Steps {
		ts := TranscriptStep{Title: s.Title}
		for _, b := range s.Blocks {
			if err := ctx.Err(); err != nil {
				return t, err
			}
			tb := TranscriptBlock{Block: b}
			if b.Kind == DemoStep {
				recordDemo(ctx, &tb)
				if tb.Error != "" {
					t.Failed++
				}
			}
			ts.Blocks = append(ts.Blocks, tb)
		}
		t.Steps = append(t.Steps, ts)
	}
	return t, nil
}

func recordDemo(ctx context.Context, tb *TranscriptBlock) {
	r, err := RunDemo(ctx, tb.Block)
	if err != nil {
		tb.Error = err.Error()
		return
	}
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		tb.Error = err.Error()
		return
	}
	tb.Result, tb.Output, tb.Evidence = r, sb.String(), r.Evidence()
	for _, e := range tb.Evidence {
		if !e.OK {
			tb.Error = "broken promise: " + e.Claim + " (" + e.Observed + ")"
		}
	}
}
