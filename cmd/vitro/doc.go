// Command vitro is container internals under glass. See the README.
package main
