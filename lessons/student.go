package lessons

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"time"

	"github.com/vitro-dev/vitro/internal/fsutil"
)

// StudentEnv is the environment variable that names the student, as
// --student does. Labs also look for it in the environment of processes to
// tell one student's shells from another's: a student who exports it in
// the terminal where they work makes every process they start carry it.
const StudentEnv = "VITRO_STUDENT"

// validStudent keeps names short enough to prefix a 15-byte link name.
var validStudent = regexp.MustCompile(`^[a-z][a-z0-9]{0,7}$`)

// Student is who is learning: their name, and where their progress and
// lab state live. The zero name is the single user of a machine.
type Student struct {
	Name     string
	DataRoot string // vitro's data root; state goes under DataRoot/classroom
	example  bool   // the single user of the web docs: no file is read or written
}

// NewStudent validates name ("" is allowed: no classroom).
func NewStudent(name, dataRoot string) (*Student, error) {
	if name != "" && !validStudent.MatchString(name) {
		return nil, fmt.Errorf("student name %q: use 1 to 8 lower-case letters and digits, starting with a letter (it prefixes link names, which the kernel limits to 15 bytes)", name)
	}
	if dataRoot == "" {
		return nil, fmt.Errorf("no data root: set --data-root")
	}
	return &Student{Name: name, DataRoot: dataRoot}, nil
}

// Prefix is what every object the student makes begins with: "alice-",
// or "" for the single user.
func (s *Student) Prefix() string {
	if s.Name == "" {
		return ""
	}
	return s.Name + "-"
}

// Display is the name for people.
func (s *Student) Display() string {
	if s.Name == "" {
		return "(default)"
	}
	return s.Name
}

// dirName is the student's directory under classroom/.
func (s *Student) dirName() string {
	if s.Name == "" {
		return "_default"
	}
	return s.Name
}

// Dir is where the student's state and lab files live.
func (s *Student) Dir() string {
	return filepath.Join(s.DataRoot, "classroom", s.dirName())
}

// Owns tells whether a process belongs to this student, by the
// VITRO_STUDENT in its environment: the single user owns processes
// without one.
func (s *Student) Owns(pid int) bool {
	v, _, readable := procEnv(pid, StudentEnv)
	return readable && v == s.Name // an environment we cannot read is nobody's
}

// readJSON reads path into v; a missing file leaves v as it is.
func readJSON(path string, v any) error {
	err := fsutil.ReadJSON(path, v)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("%s: %w (remove it to start afresh)", path, err)
}

// withLock runs fn holding an exclusive flock on path.
func withLock(path string, fn func() error) error {
	l, err := fsutil.LockFile(path)
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer l.Unlock()
	return fn()
}

// LessonProgress is how far a student got in one lesson.
type LessonProgress struct {
	Step    int       `json:"step"`  // steps finished (Enter pressed after them)
	Steps   int       `json:"steps"` // how many the lesson has
	Done    bool      `json:"done"`
	Updated time.Time `json:"updated"`
}

// Progress is a student's state file: lessons by id.
type Progress struct {
	Lessons map[string]LessonProgress `json:"lessons"`
}

func (s *Student) progressPath() string { return filepath.Join(s.Dir(), "progress.json") }

// LoadProgress reads the student's progress (empty if none yet).
func (s *Student) LoadProgress() (*Progress, error) {
	p := &Progress{Lessons: map[string]LessonProgress{}}
	if err := readJSON(s.progressPath(), p); err != nil {
		return nil, err
	}
	if p.Lessons == nil {
		p.Lessons = map[string]LessonProgress{}
	}
	return p, nil
}

// SaveLesson records progress in one lesson, under a lock so two vitro
// processes of one student do not lose each other's updates.
func (s *Student) SaveLesson(id string, lp LessonProgress) error {
	path := s.progressPath()
	return withLock(path+".lock", func() error {
		p, err := s.LoadProgress()
		if err != nil {
			return err
		}
		lp.Updated = time.Now().UTC()
		p.Lessons[id] = lp
		return fsutil.WriteJSONAtomic(path, p)
	})
}
