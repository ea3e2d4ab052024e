#!/usr/bin/env bash
# Generates TypeScript for @grpc/grpc-js from proto/*.proto with ts-proto into proto/gen/
# (never committed, never edited by hand). The options:
#   outputServices=grpc-js  a service definition for grpc-js Server.addService and a typed client
#   esModuleInterop=true    matches tsconfig.json
#   env=node                `bytes` fields are Buffers
#   useOptionals=messages   message-typed fields are optional (`?`); scalars always carry a value,
#                           the proto3 default when unset (use proto3 `optional` to tell unset apart)
#   oneof=unions            a oneof is one field holding `{ $case: "name", name: value }`
#   forceLong=number        64-bit integers are numbers (decoding throws beyond 2^53)
# The output imports @bufbuild/protobuf/wire at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null; then
  echo "gen-proto: protoc not found; install Debian's protobuf-compiler (scripts/install-deps.sh does)" >&2
  exit 1
fi
plugin=node_modules/.bin/protoc-gen-ts_proto
if [ ! -x "$plugin" ]; then
  echo "gen-proto: $plugin not found; run npm ci (scripts/install-deps.sh does)" >&2
  exit 1
fi

rm -rf proto/gen && mkdir -p proto/gen
protoc \
  --plugin=protoc-gen-ts_proto="$plugin" \
  --ts_proto_out=proto/gen \
  --ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useOptionals=messages,oneof=unions,forceLong=number \
  -I proto proto/*.proto
