package netdemo

import "errors"

// Sentinels that callers test with errors.Is.
var (
	// ErrPoolFull: every address of the subnet is allocated.
	ErrPoolFull = errors.New("address pool is full")
	// ErrSubnetInUse: the subnet overlaps a route already on the host.
	ErrSubnetInUse = errors.New("subnet overlaps a host route")
	// ErrNotAllocated: Release of an address the pool did not hand out.
	ErrNotAllocated = errors.New("address is not allocated")
	// ErrPortAllocated: a host port another container has published.
	ErrPortAllocated = errors.New("port is already allocated")
)
