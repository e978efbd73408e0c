// Package lessons holds vitro's guided lessons and classroom labs, and the
// runner that plays a lesson's live steps and checks a lab against kernel
// state.
//
// Lessons are Markdown files embedded from content/ (front matter, then
// steps separated by "## " headings). A step mixes prose with three
// special fenced blocks: demo (a live step, run in place through the
// registry in demo.go, whose adapters wrap nsdemo, cgroupdemo, fsdemo and
// netdemo results so each renders as text, marshals as JSON and lists the
// kernel evidence it promises), try (commands for a second terminal) and
// equivalent (the shell commands that do the same). The Player pauses
// between steps and saves progress per student; Record makes the JSON
// transcript; WriteDocs renders the same source for docs/lessons.
//
// Labs (lab.go and labs_*_linux.go) are Go: a task, checks that read
// namespace inodes, cgroup files, mountinfo, links, addresses and
// nf_tables rules, a solution that can be applied, and a reset that
// removes what the lab and the student made. Every name a lab uses is
// prefixed with the student's (classroom mode), and a student's processes
// are told apart by VITRO_STUDENT in their environment.
package lessons
