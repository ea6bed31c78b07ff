# Only Go and make are assumed; everything else is fetched by the Go tool.
GO      ?= go
BIN     := bin
TOOLS   := $(GO) tool -modfile=tools/go.mod
export CGO_ENABLED := 0

.PHONY: all build demo test test-short validate samples help export smoke bench \
        lint vuln cover fuzz quality-gate clean

all: build

## build: static binaries in bin/
build:
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...

## demo: start the embedded emulator and run every action and a trigger
demo: build
	./$(BIN)/haloitsm-demo --plugin ./$(BIN)/icon_haloitsm --emulator ./$(BIN)/halo-emulator

## test: every test, with the race detector (it needs cgo); the coverage
## profile it writes is what `make cover` and the quality gate check
test:
	CGO_ENABLED=1 $(GO) test -race -count=1 -covermode=atomic -coverprofile=coverage.out ./...

test-short:
	$(GO) test -short -count=1 ./...

## validate: Rapid7's offline validator rules over this plugin directory
validate:
	$(GO) run ./cmd/iconctl validate .

## samples: tests/<name>.json start messages
samples:
	$(GO) run ./cmd/iconctl samples .

## help: regenerate help.md from plugin.spec.yaml and docs/help
help:
	$(GO) run ./cmd/iconctl help .

## export: <vendor>_<name>_<version>.plg, built without a Docker engine
export: build
	$(GO) run ./cmd/iconctl export --binary $(BIN)/icon_haloitsm .

## smoke: every action against a real Halo (ENV=staging|production)
ENV ?= staging
smoke: build
	./$(BIN)/icon_haloitsm smoke --environment $(ENV)

## bench: load and fault runs against the emulator; exits 1 when a bar is missed
## (BENCH_DURATION=60s for the full runs; histograms go to docs/perf)
BENCH_DURATION ?= 15s
bench:
	$(GO) build -trimpath -o $(BIN)/ ./cmd/icon_haloitsm ./cmd/haloitsm-load
	./$(BIN)/haloitsm-load suite --plugin ./$(BIN)/icon_haloitsm \
		--duration $(BENCH_DURATION) --svg-dir docs/perf

## lint: golangci-lint with .golangci.yml (version pinned in tools/go.mod)
lint:
	$(TOOLS) golangci-lint run ./...

## vuln: govulncheck against an offline database built from golang.org/x/vulndb
VULNDB ?= .cache/vulndb
# Pinned so that a run is reproducible; `make vuln VULNDB_VERSION=latest` checks
# against the newest entries.
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
vuln:
	$(GO) run ./scripts/vulndb -version $(VULNDB_VERSION) -out $(VULNDB)
	$(GO) run ./scripts/vulngate -- $(TOOLS) govulncheck -db file://$(CURDIR)/$(VULNDB) -format json ./...

## cover: tests with a coverage profile; fails under COVER_MIN% of statements
COVER_MIN ?= 80
COVER_EXCLUDE ?= /cmd/[^/]+$$
cover: test
	$(GO) run ./scripts/covercheck -min $(COVER_MIN) -exclude '$(COVER_EXCLUDE)' coverage.out

## fuzz: every Fuzz test in FUZZ_PKGS for FUZZTIME each, one at a time
FUZZTIME ?= 30s
# Minimising each new corpus entry for long starves slow targets; 20 tries is enough.
FUZZMINTIME ?= 20x
FUZZ_PKGS ?= ./icon/spec ./icon/runtime ./halo ./haloitsm ./emulator
fuzz:
	@set -e; for pkg in $(FUZZ_PKGS); do \
		for name in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$name ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) \
				-fuzzminimizetime=$(FUZZMINTIME) -parallel 1 $$pkg; \
		done; \
	done

## quality-gate: gofmt, vet, lint, race tests, coverage, validate, vuln
quality-gate:
	GO='$(GO)' MAKE='$(MAKE)' COVER_MIN='$(COVER_MIN)' COVER_EXCLUDE='$(COVER_EXCLUDE)' \
		bash scripts/quality-gate.sh

clean:
	rm -rf $(BIN) coverage.out *.plg
