#!/usr/bin/env bash
# The quality gate: every check a change must pass before it lands, in the
# order that gives the quickest useful failure. Run it as `make
# quality-gate`; docs/quality.md describes each step.
#
# Usage: scripts/quality-gate.sh [STEP...]
#   STEP is one of: gofmt vet lint test cover validate vuln (default: all,
#   in that order). The gate stops at the first failing step.
#
# Environment: GO (default go), MAKE (default make), COVER_MIN (default
# 80), COVER_EXCLUDE (regexp of import paths left out of the coverage
# total; default /cmd/[^/]+$, the main packages of the binaries).
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
MAKE=${MAKE:-make}
COVER_MIN=${COVER_MIN:-80}
COVER_EXCLUDE=${COVER_EXCLUDE:-/cmd/[^/]+$}
PROFILE=coverage.out

all_steps=(gofmt vet lint test cover validate vuln)
steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then
	steps=("${all_steps[@]}")
fi

step_gofmt() {
	# Tracked and new (not ignored) Go files; testdata may hold
	# deliberately malformed sources.
	local files unformatted
	files=$(git ls-files --cached --others --exclude-standard -- '*.go' ':!:**/testdata/**' |
		while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done)
	if [ -z "$files" ]; then
		echo "no Go files"
		return 0
	fi
	# shellcheck disable=SC2086 # one file name per word is intended
	unformatted=$(gofmt -l $files) || return 1
	if [ -n "$unformatted" ]; then
		echo "these files are not gofmt-formatted (fix with gofmt -w):"
		printf '  %s\n' $unformatted
		return 1
	fi
	echo "all $(wc -w <<<"$files") Go files are formatted"
}

step_vet() {
	"$GO" vet ./...
}

step_lint() {
	"$MAKE" --no-print-directory lint
}

step_test() {
	# `make test` is the README's test command: race detector on, and the
	# coverage profile the cover step checks, so the tests run once.
	"$MAKE" --no-print-directory test
}

step_cover() {
	if [ ! -s "$PROFILE" ]; then
		echo "no $PROFILE: run the test step first"
		return 1
	fi
	"$GO" run ./scripts/covercheck -min "$COVER_MIN" -exclude "$COVER_EXCLUDE" "$PROFILE"
}

step_validate() {
	"$MAKE" --no-print-directory validate
}

step_vuln() {
	"$MAKE" --no-print-directory vuln
}

total=${#steps[@]}
n=0
for step in "${steps[@]}"; do
	n=$((n + 1))
	if ! declare -F "step_$step" >/dev/null; then
		echo "quality-gate: unknown step \"$step\" (steps: ${all_steps[*]})" >&2
		exit 2
	fi
	printf '\n==> [%d/%d] %s\n' "$n" "$total" "$step"
	start=$SECONDS
	if ! "step_$step"; then
		printf '\nFAIL: the quality gate stopped at step "%s" (%d/%d) after %ds.\n' \
			"$step" "$n" "$total" $((SECONDS - start)) >&2
		exit 1
	fi
	printf -- '--- %s passed (%ds)\n' "$step" $((SECONDS - start))
done
printf '\nquality gate passed: %s\n' "${steps[*]}"
