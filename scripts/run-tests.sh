#!/usr/bin/env bash
# Runs every compiled test file with Node's built-in runner, in two passes:
#  1. every file that is independent of the others, several at a time. Test files make their own
#     network namespaces (random names), data directories and loopback ports, so they do not share
#     ports or namespaces and can overlap.
#  2. the files that measure time (leader takeover, restart within seconds, compaction ticks) or
#     take a whole host's resources, one at a time, so a neighbour's load cannot make them late.
# GANTRY_TEST_CONCURRENCY sets pass 1's width (default 2, this machine's cores). Extra arguments go
# to both passes (e.g. --test-name-pattern). Both passes run even if the first fails.
set -uo pipefail
cd "$(dirname "$0")/.."

# Files of pass 2, relative to dist/.
serial=(
  test/ha-failover.test.js
  test/ha-join.test.js
  test/etcd-compaction.test.js
  test/supervise-e2e.test.js
  test/stream-hardening.test.js
  test/input-limits.test.js
)

mapfile -t all < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
if [ ${#all[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi

parallel=()
alone=()
for f in "${all[@]}"; do
  rel=${f#dist/}
  if printf '%s\n' "${serial[@]}" | grep -qxF "$rel"; then alone+=("$f"); else parallel+=("$f"); fi
done

started=$SECONDS
status=0
echo "pass 1: ${#parallel[@]} files, ${GANTRY_TEST_CONCURRENCY:-2} at a time"
node --test --test-concurrency="${GANTRY_TEST_CONCURRENCY:-2}" --test-reporter=spec "$@" "${parallel[@]}" || status=1
echo "pass 1 took $((SECONDS - started)) s"
if [ ${#alone[@]} -gt 0 ]; then
  echo "pass 2: ${#alone[@]} timing-sensitive files, one at a time"
  node --test --test-concurrency=1 --test-reporter=spec "$@" "${alone[@]}" || status=1
fi
echo "tests took $((SECONDS - started)) s"
exit $status
