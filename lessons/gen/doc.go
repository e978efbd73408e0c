// Command gen writes the web version of the lessons (docs/lessons) from
// the embedded lesson sources: go run ./lessons/gen docs/lessons
package main
