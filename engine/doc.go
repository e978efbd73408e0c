// Package engine is vitro's runtime. It composes the mechanism packages
// (nsdemo, cgroupdemo, fsdemo, netdemo) into the six steps of `vitro run`
// and docker's everyday commands, and holds no copy of any mechanism.
package engine
