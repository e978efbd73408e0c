package engine

import "fmt"

// Exit statuses, as docker reports them.
const (
	ExitVitroError = 125 // vitro failed before the program could run
	ExitCannotExec = 126 // the program exists but cannot be executed
	ExitNotFound   = 127 // the program does not exist
)

// ExitStatus is a container program's exit status, returned as an error
// by Run so that `vitro run` exits with it.
type ExitStatus struct {
	Code   int
	Signal string // set when the program was killed by a signal
}

func (e *ExitStatus) Error() string {
	if e.Signal != "" {
		return fmt.Sprintf("container killed by %s (exit status %d)", e.Signal, e.Code)
	}
	return fmt.Sprintf("container exited with status %d", e.Code)
}

// ExitCode is the status the vitro process exits with.
func (e *ExitStatus) ExitCode() int { return e.Code }

// Silent tells the CLI to print nothing: like docker, `vitro run` only
// passes the program's status on.
func (e *ExitStatus) Silent() bool { return true }

// StepError is a failure of one of the six steps: the step, what was
// being done, and the cause.
type StepError struct {
	Step int
	Name string
	Err  error
	Code int // exit status; 125 unless the program could not be executed
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %d (%s): %v", e.Step, e.Name, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// ExitCode is 125, or 126/127 when exec failed.
func (e *StepError) ExitCode() int {
	if e.Code != 0 {
		return e.Code
	}
	return ExitVitroError
}
