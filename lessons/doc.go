// Package lessons holds vitro's guided lessons and classroom labs, and the
// runner that plays a lesson's live steps and checks a lab against kernel
// state.
package lessons
