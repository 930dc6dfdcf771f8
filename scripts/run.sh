#!/usr/bin/env bash
# Start the web server, the django-q2 worker and the marketplace sandbox together; Ctrl-C stops all three.
set -u
PY=${PY:-.venv/bin/python}
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
}
trap cleanup INT TERM EXIT

if $PY manage.py help marketplace_sandbox >/dev/null 2>&1; then
  $PY manage.py marketplace_sandbox --port "${SANDBOX_PORT:-8100}" & pids+=($!)
fi
if $PY manage.py help setup_schedules >/dev/null 2>&1; then
  $PY manage.py setup_schedules
fi
$PY manage.py qcluster & pids+=($!)
$PY manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" --noreload & pids+=($!)
echo "Listing Manager: http://${HOST:-127.0.0.1}:${PORT:-8000}/  (admin: /admin/)  Ctrl-C stops everything"
wait -n "${pids[@]}"
