#!/usr/bin/env bash
# Start the web server, the django-q2 worker and the marketplace sandbox together; Ctrl-C stops all three.
set -u
PY=${PY:-.venv/bin/python}
pids=()
alive() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping (the worker finishes or hands back its tasks within ${Q_STOP_SECONDS:-10} s)..."
  kill "${pids[@]}" ${demo:-} 2>/dev/null
  # The worker bounds its own stop by Q_STOP_SECONDS; anything still there 5 s later is killed.
  local grace=${Q_STOP_SECONDS:-10}
  local limit=$((SECONDS + ${grace%.*} + 5))
  while alive && ((SECONDS < limit)); do sleep 0.2; done
  alive && kill -9 "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
}
trap cleanup INT TERM EXIT

if $PY manage.py help marketplace_sandbox >/dev/null 2>&1; then
  $PY manage.py marketplace_sandbox --port "${SANDBOX_PORT:-8100}" --state "${SANDBOX_STATE:-var/sandbox.state}" & pids+=($!)
fi
if $PY manage.py help setup_schedules >/dev/null 2>&1; then
  $PY manage.py setup_schedules
fi
$PY manage.py worker & pids+=($!)
# The demo's first run: a share of its listings go live on the sandbox and a few buyers order (docs/sandbox.md).
if $PY manage.py help demo_go_live >/dev/null 2>&1; then
  $PY manage.py demo_go_live & demo=$!
fi
$PY manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" --noreload & pids+=($!)
echo "Listing Manager: http://${HOST:-127.0.0.1}:${PORT:-8000}/  (admin: /admin/)  Ctrl-C stops everything"
wait -n "${pids[@]}"
