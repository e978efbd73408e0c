# vitro's build, test and set-up targets. Run as root where noted.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

GO      ?= go
BIN     := bin/vitro
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/vitro-dev/vitro/cmd.Version=$(VERSION)

# Debian packages the tests and demos use: a real userland for test images
# (busybox-static), netfilter tools for inspecting NAT rules, ping (the lab
# solutions, which the tests run as printed), a registry and image tools to
# test against, qemu and a stock kernel for the pure cgroup v2 VM and the VM
# comparison, and peer runtimes for benchmarks.
PACKAGES := busybox-static iptables nftables iproute2 iputils-ping skopeo umoci docker-registry \
            qemu-system-x86 linux-image-amd64 runc crun hyperfine gcc libc6-dev

.PHONY: all build setup test test-race test-unit test-cgroup2 bench docs lint quickstart clean

all: build

# Helper programs live next to vitro, where internal/helperbin finds them:
# every cmd/vitro-NAME directory becomes bin/vitro-NAME.
HELPERS := $(patsubst cmd/%/,%,$(wildcard cmd/vitro-*/))

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/vitro
	@for h in $(HELPERS); do echo "$(GO) build -o bin/$$h ./cmd/$$h"; $(GO) build -ldflags '$(LDFLAGS)' -o bin/$$h ./cmd/$$h || exit 1; done

## setup: install the Debian packages vitro's tests and demos need (root)
setup:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "setup: all packages present"; fi

## test: the whole suite; privileged tests need root (sudo make test)
test:
	$(GO) test -count=1 -timeout 30m ./...

## test-race: the whole suite again under Go's race detector (root; CI runs it
## after make test: ~3.5 min here)
test-race:
	$(GO) test -race -count=1 -timeout 30m ./...

## test-unit: the suite as an ordinary user: privileged tests skip (as root they run)
test-unit:
	env -u VITRO_REQUIRE_PRIVILEGED $(GO) test -count=1 ./...

## test-cgroup2: the cgroup tests inside a VM booted with pure cgroup v2 (root)
test-cgroup2:
	./scripts/test-cgroup2.sh

## bench: Go benchmarks (the cost of tracing when off, ...), then vitro run
## against runc, crun and unshare+chroot on one busybox rootfs (root)
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
	$(GO) run ./internal/bench/peers -vitro $(BIN)

## docs: regenerate the CLI reference in docs/cli
docs:
	$(GO) run ./cmd/gendocs docs/cli

# staticcheck, pinned: `go run` fetches it through the Go module proxy
# once (checked against go.sum's checksum database) and keeps the build in
# Go's cache, so a fresh CI machine needs nothing installed beforehand.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

## lint: gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## quickstart: set up, build, check the host, show one namespace on its own,
## then run a container and watch its six steps (root)
quickstart: setup build
	./$(BIN) check
	./$(BIN) ns uts
	./$(BIN) image bootstrap
	./$(BIN) --trace run --rm busybox sh -c 'echo "hello from $$(hostname), PID $$$$"'

clean:
	rm -rf bin
