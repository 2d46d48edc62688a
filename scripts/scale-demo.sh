#!/usr/bin/env bash
# The scale-out deployment on one box (`make scale-demo`): PostgreSQL 15, Redis,
# S3 (moto server), localstripe, two app servers behind nginx, Varnish in front,
# an RQ worker per task queue — all on 127.0.0.1 at random ports in 20000-29999,
# each started here and all stopped on Ctrl-C. masthead/bench/scale_demo.py
# does the work; its flags pass through (--app-servers, --web-workers,
# --narration-engine espeak, --var DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m masthead.bench.scale_demo "$@"
