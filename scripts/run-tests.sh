#!/usr/bin/env bash
# Runs every compiled test file with Node's built-in runner. Test files that start clusters
# clean up after themselves; one file at a time keeps the 2-core machine from timing out.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"
