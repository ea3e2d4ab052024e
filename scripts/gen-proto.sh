#!/usr/bin/env bash
# Generates TypeScript for @grpc/grpc-js from proto/*.proto with ts-proto.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf proto/gen && mkdir -p proto/gen
protoc \
  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=proto/gen \
  --ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useOptionals=messages,oneof=unions,forceLong=number \
  -I proto proto/*.proto
