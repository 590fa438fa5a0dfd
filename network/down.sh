#!/usr/bin/env bash
# Stops the CareLedger development network and removes its state.
#
# Only processes that up.sh / deploy-chaincode.sh started are stopped: each was
# started in its own process group and its PID recorded under
# network/.state/pids/. Whole groups are signalled (the Firestore launcher
# spawns java; killing the launcher alone would leave java running; the
# firebase CLI runs the Auth emulator in a child process).
# Then waits for the network's ports to be free and deletes network/.state.
#
# usage: network/down.sh [--keep-state]
set -euo pipefail

# --topology consortium hands over to network/consortium.sh (every hospital in its own
# network namespace); the default (dev) is this script's one-machine network.
TOPOLOGY=dev
ARGS=()
while (($#)); do
  case "$1" in
    --topology) TOPOLOGY=${2:-} && shift 2 ;;
    --topology=*) TOPOLOGY=${1#*=} && shift ;;
    *) ARGS+=("$1") && shift ;;
  esac
done
case "${TOPOLOGY}" in
  consortium) exec bash "$(dirname "${BASH_SOURCE[0]}")/consortium.sh" down "${ARGS[@]}" ;;
  dev | development) set -- "${ARGS[@]}" ;;
  *) echo "unknown topology '${TOPOLOGY}' (dev or consortium)" >&2 && exit 2 ;;
esac

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

KEEP_STATE=0
for arg in "$@"; do
  case "${arg}" in
    --keep-state) KEEP_STATE=1 ;;
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument: ${arg}" ;;
  esac
done

if [[ ! -d "${STATE_DIR}" ]]; then
  log "network is not running (no ${STATE_DIR})"
  exit 0
fi

STARTED=$(now)
# All at once: Fabric nodes and the chaincode server take 1-2 s each to
# shut down gracefully.
stop_services chaincode peer-a peer-b orderer kubo firestore auth
# Anything else recorded (a service added later) is stopped too.
if [[ -d "${PID_DIR}" ]]; then
  for f in "${PID_DIR}"/*.pid; do
    [[ -e "${f}" ]] || continue
    stop_services "$(basename "${f}" .pid)"
  done
fi

busy=()
for p in $(all_ports); do
  wait_for_port_free "${p}" 15 || busy+=("${p}")
done

if ((KEEP_STATE)); then
  log "keeping ${STATE_DIR} (logs and ledgers) as asked"
  rm -rf "${PID_DIR}" "${STATE_DIR}/connection.json"
else
  rm -rf "${STATE_DIR}"
fi

if ((${#busy[@]})); then
  warn "ports still in use after stopping the network: ${busy[*]}"
  warn "they are held by processes this script did not start; see 'ss -ltnp'"
  exit 1
fi
log "network stopped, ports free$( ((KEEP_STATE)) || echo ", state removed") ($(elapsed "${STARTED}")s)"
