# ci-authz build, test and packaging. `make help` lists the targets.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BIN       := bin/ci-authz
PLUGIN_DIR := build/plugin
FUZZTIME  ?= 10s

.PHONY: help build test unit e2e fuzz vet plugin install uninstall demo bench clean

help:
	@echo "make build      static binary in $(BIN)"
	@echo "make test       vet, unit tests, a short fuzz run and the end-to-end tests against a real dockerd"
	@echo "make plugin     managed-plugin directory in $(PLUGIN_DIR) (config.json + rootfs)"
	@echo "make install    install and enable ci-authz on this Docker host (root)"
	@echo "make uninstall  remove it again, in the safe order (root)"
	@echo "make demo       private dockerd that shows ci-authz enforcing; touches nothing of the host's Docker"
	@echo "make bench      benchmarks: decision path, plugin protocol vs a null plugin, a private dockerd, memory (root)"
	@echo "                results in build/bench.json; BENCHFLAGS=-quick for a short smoke run"

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ci-authz

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/...

unit:
	$(GO) test -count=1 ./...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecide$$' -fuzztime $(FUZZTIME) ./plugin

e2e: build plugin
	$(GO) test -tags e2e -count=1 -timeout 9m -v ./e2e/

test: vet unit fuzz e2e

plugin: build
	scripts/make-plugin.sh $(BIN) $(PLUGIN_DIR)

install: build plugin
	$(BIN) install --plugin-dir $(PLUGIN_DIR)

uninstall: build
	$(BIN) uninstall

demo: build plugin
	scripts/demo.sh

# One run of bench/ (see bench/main.go): Go benchmarks, protocol load test,
# private dockerd, memory; table on stdout, JSON in build/bench.json.
BENCHFLAGS ?=
bench: build
	$(GO) build -o bin/bench-nullplugin ./bench/nullplugin
	$(GO) build -o bin/ci-authz-bench ./bench
	bin/ci-authz-bench -ci-authz $(BIN) -null-plugin bin/bench-nullplugin -out build/bench.json $(BENCHFLAGS)

clean:
	rm -rf bin build
