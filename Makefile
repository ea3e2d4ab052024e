# Gantry: every target installs what it needs first, so each works on a fresh Debian machine as root.
SHELL := /bin/bash
.DEFAULT_GOAL := build

PROTO_SRC := $(wildcard proto/*.proto)
PROTO_GEN := proto/gen/.stamp

.PHONY: deps build proto lint typecheck test test-unit test-e2e up down bench clean

deps:
	@scripts/install-deps.sh

# ts-proto output is generated, never committed (see docs/ARCHITECTURE.md).
proto: $(PROTO_GEN)
$(PROTO_GEN): $(PROTO_SRC) | deps
	@scripts/gen-proto.sh
	@touch $@

build: deps $(PROTO_GEN)
	@npx tsc -p tsconfig.json

typecheck: build

lint: deps
	@npx eslint --max-warnings 0 .

# The whole suite: type-check (build), lint, then every *.test.js under dist/.
test: build lint
	@scripts/run-tests.sh

up: build
	@scripts/up.sh

down:
	@scripts/down.sh

# The same code as `gantry bench`: `make bench` runs every benchmark at the large size;
# `make bench BENCH="scheduler --size small"` passes arguments through.
BENCH ?= all
bench: build
	@node dist/cli/gantry.js bench $(BENCH)

clean:
	rm -rf dist proto/gen
