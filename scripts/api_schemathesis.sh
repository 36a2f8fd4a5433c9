#!/usr/bin/env bash
# The REST API against its own OpenAPI schema (schemathesis 4), on a real server: a fresh
# PostgreSQL database with the demo data, gunicorn with DEBUG off on a free port, then one
# run with the token of each role (staff, clerk, deputy) and one without a token. Fails
# when any run finds a server error or a response that does not match the schema; the
# server is stopped either way. Set SCHEMATHESIS_EXAMPLES to test more cases per operation.
set -euo pipefail
cd "$(dirname "$0")/.."

db=${SCHEMATHESIS_DB:-tracker_schemathesis}
examples=${SCHEMATHESIS_EXAMPLES:-10}
pg=(-h 127.0.0.1 -U postgres)
dropdb "${pg[@]}" --if-exists "$db"
createdb "${pg[@]}" "$db"

var_dir=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$var_dir"
}
trap cleanup EXIT
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export TRACKER_VAR_DIR=$var_dir
export DEBUG=false SECRET_KEY=schemathesis-only-not-a-secret ALLOWED_HOSTS=127.0.0.1
# Tasks the demo queues go to a broker folder in the scratch directory, not to CI's Redis.
unset CELERY_BROKER_URL
# The throttle would answer most generated requests with 429 and leave them untested.
export API_THROTTLE_ANON=100000/minute API_THROTTLE_USER=100000/minute
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo --force >/dev/null

port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn tracker.wsgi --bind "127.0.0.1:$port" --workers 2 --log-level warning \
  >"$var_dir/gunicorn.log" 2>&1 &
server=$!

schema=http://127.0.0.1:$port/api/v1/schema/
for _ in $(seq 30); do curl -fs -o /dev/null "$schema" && break; sleep 1; done

root=$(pwd)
run() {
  echo "-- schemathesis: $1"
  shift
  # From the scratch directory, which takes schemathesis's .schemathesis/ cache of crashes.
  (cd "$var_dir" && "$root/.venv/bin/schemathesis" run "$schema" --wait-for-schema 30 \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$examples" --workers 2 --generation-database none --no-color "$@")
}

token() { .venv/bin/python manage.py create_api_token "$1"; }
status=0
# Every phase for staff, who see every record; the coverage phase (boundary and invalid
# parameters, most of the time) is the same for the other roles, so they get generated
# and stateful cases only, which keeps the step short
# (about a minute on an idle machine).
run staff -H "Authorization: Token $(token staff)" || status=1
run clerk -H "Authorization: Token $(token clerk)" --phases fuzzing,stateful || status=1
# Statistics answer a deputy 403, and anyone without a token 401.
run deputy -H "Authorization: Token $(token deputy)" --phases fuzzing,stateful \
  --exclude-path /api/v1/statistics/ || status=1
# Without a token only replies and commitments answer; the other operations are a plain 401.
run "no token" --phases fuzzing,stateful --include-path-regex '^/api/v1/(replies|commitments)/' || status=1

if [ "$status" != 0 ]; then
  echo "== the server's log"
  cat "$var_dir/gunicorn.log"
fi
exit $status
