# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts sourcing this
# Shared settings and helpers for the CareLedger native network scripts.
# Sourced by install.sh, up.sh, down.sh and deploy-chaincode.sh.

NETWORK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "${NETWORK_DIR}/.." && pwd)"
BIN_DIR="${NETWORK_DIR}/.bin"
BUILD_DIR="${NETWORK_DIR}/.build"
STATE_DIR="${NETWORK_DIR}/.state"
PID_DIR="${STATE_DIR}/pids"
LOG_DIR="${STATE_DIR}/logs"

# Pinned versions. Fabric v2.5.0 is only reachable through its release commit's
# pseudo-version on the Go module proxy (docs/DECISIONS.md#pinned-versions-and-overrides).
FABRIC_MODULE="github.com/hyperledger/fabric"
FABRIC_VERSION="v1.4.0-rc1.0.20230401164317-bd8e24856939"
FABRIC_RELEASE="2.5.0"
FABRIC_COMMIT="bd8e24856939"
KUBO_MODULE="github.com/ipfs/kubo"
KUBO_VERSION="v0.42.0"

# Ports (all on 127.0.0.1). Override any of them through the environment.
ORDERER_PORT="${CARELEDGER_ORDERER_PORT:-7050}"
ORDERER_ADMIN_PORT="${CARELEDGER_ORDERER_ADMIN_PORT:-7053}"
ORDERER_OPS_PORT="${CARELEDGER_ORDERER_OPS_PORT:-8443}"
PEER_A_PORT="${CARELEDGER_PEER_A_PORT:-7051}"
PEER_A_CHAINCODE_PORT="${CARELEDGER_PEER_A_CHAINCODE_PORT:-7052}"
PEER_A_OPS_PORT="${CARELEDGER_PEER_A_OPS_PORT:-9443}"
PEER_B_PORT="${CARELEDGER_PEER_B_PORT:-9051}"
PEER_B_CHAINCODE_PORT="${CARELEDGER_PEER_B_CHAINCODE_PORT:-9052}"
PEER_B_OPS_PORT="${CARELEDGER_PEER_B_OPS_PORT:-9444}"
CHAINCODE_PORT="${CARELEDGER_CHAINCODE_PORT:-9999}"
KUBO_API_PORT="${CARELEDGER_KUBO_API_PORT:-5001}"
KUBO_GATEWAY_PORT="${CARELEDGER_KUBO_GATEWAY_PORT:-8088}"
KUBO_SWARM_PORT="${CARELEDGER_KUBO_SWARM_PORT:-4001}"
FIRESTORE_PORT="${CARELEDGER_FIRESTORE_PORT:-8081}"
AUTH_PORT="${CARELEDGER_AUTH_PORT:-9099}"
AUTH_HUB_PORT="${CARELEDGER_AUTH_HUB_PORT:-4400}"
AUTH_LOGGING_PORT="${CARELEDGER_AUTH_LOGGING_PORT:-4500}"

CHANNEL_NAME="${CARELEDGER_CHANNEL:-careledger}"
CHAINCODE_NAME="${CARELEDGER_CHAINCODE_NAME:-careledger}"
CHAINCODE_LABEL="${CARELEDGER_CHAINCODE_LABEL:-careledger}"
CHAINCODE_POLICY="OR('HospitalAMSP.peer','HospitalBMSP.peer')"
# The member orgs of the channel (MSP ids). The collection config is generated
# from this list (write_collections_config); crypto-config.yaml and
# configtx.yaml name the same orgs.
ORG_MSPS=(HospitalAMSP HospitalBMSP)

# Node from the repository's devDependency (Node 24) when installed.
if [[ -x "${REPO_DIR}/node_modules/.bin/node" ]]; then
  NODE_BIN="${REPO_DIR}/node_modules/.bin/node"
else
  NODE_BIN="$(command -v node || true)"
fi

CRYPTO_DIR="${STATE_DIR}/crypto"
ORDERER_ORG_DIR="${CRYPTO_DIR}/ordererOrganizations/orderer.careledger.local"
ORDERER_TLS_DIR="${ORDERER_ORG_DIR}/orderers/orderer.orderer.careledger.local/tls"
ORDERER_CA_FILE="${ORDERER_TLS_DIR}/ca.crt"
ORDERER_ADMIN_TLS_DIR="${ORDERER_ORG_DIR}/users/Admin@orderer.careledger.local/tls"

# All ports the network owns, in the order they come up.
all_ports() {
  echo "${ORDERER_PORT} ${ORDERER_ADMIN_PORT} ${ORDERER_OPS_PORT}" \
    "${PEER_A_PORT} ${PEER_A_CHAINCODE_PORT} ${PEER_A_OPS_PORT}" \
    "${PEER_B_PORT} ${PEER_B_CHAINCODE_PORT} ${PEER_B_OPS_PORT}" \
    "${CHAINCODE_PORT} ${KUBO_API_PORT} ${KUBO_GATEWAY_PORT} ${KUBO_SWARM_PORT}" \
    "${FIRESTORE_PORT} ${AUTH_PORT} ${AUTH_HUB_PORT} ${AUTH_LOGGING_PORT}"
}

# Fabric reads every CORE_*/ORDERER_* variable (and the shim every CORE_*):
# settings left in the caller's shell must not leak into the nodes or the CLI.
# FABRIC_LOGGING_SPEC is kept on purpose (debugging).
while IFS= read -r var; do
  case "${var}" in
    CORE_* | ORDERER_* | FABRIC_CFG_PATH | OSNADMIN_*) unset "${var}" ;;
  esac
done < <(compgen -e)
FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"

log() { printf '\033[1;34m[network]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m[network]\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31m[network]\033[0m %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with millisecond precision, for timings.
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

require_binaries() {
  local b
  for b in peer orderer osnadmin configtxgen cryptogen ipfs; do
    [[ -x "${BIN_DIR}/${b}" ]] || die "missing ${BIN_DIR}/${b}: run network/install.sh (npm run network:install) first"
  done
  [[ -f "${BIN_DIR}/sampleconfig/core.yaml" ]] || die "missing ${BIN_DIR}/sampleconfig: run network/install.sh first"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# retry_for TIMEOUT_S INTERVAL_S CMD... : runs CMD until it succeeds (status
# 0) or TIMEOUT_S seconds have passed (status 1). Every wait of the network
# scripts goes through here.
retry_for() {
  local timeout=$1 interval=$2 deadline
  shift 2
  deadline=$(($(date +%s) + timeout))
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    sleep "${interval}"
  done
}

# wait_for_port PORT NAME [TIMEOUT_S]
wait_for_port() {
  retry_for "${3:-30}" 0.1 port_open "$1" || die "$2 did not open port $1 within ${3:-30}s (see ${LOG_DIR})"
}

# healthy OPS_PORT : a Fabric node's operations endpoint answers /healthz with
# status OK (503 means a failed checker, e.g. the Docker socket when
# vm.endpoint is set). The last answer is left in HEALTH_BODY.
healthy() {
  HEALTH_BODY=$(curl -s --max-time 1 "http://127.0.0.1:$1/healthz" || true)
  [[ "${HEALTH_BODY}" == *'"OK"'* ]]
}

# wait_for_health NAME OPS_PORT [TIMEOUT_S]
wait_for_health() {
  HEALTH_BODY=""
  retry_for "${3:-30}" 0.1 healthy "$2" ||
    die "$1 is not healthy after ${3:-30}s: ${HEALTH_BODY:-no answer} (see ${LOG_DIR}/$1.log)"
}

# wait_for_port_free PORT [TIMEOUT_S]; returns 1 if still busy.
wait_for_port_free() {
  retry_for "${2:-20}" 0.1 port_closed "$1"
}
port_closed() { ! port_open "$1"; }

# start_service NAME CMD... : runs CMD detached in its own session and process
# group (setsid), stdout/stderr appended to $LOG_DIR/NAME.log, and records its
# PID (which is also its process group id) in $PID_DIR/NAME.pid. The working
# directory is $SERVICE_CWD when set.
start_service() {
  local name=$1 pid pgid
  shift
  mkdir -p "${PID_DIR}" "${LOG_DIR}"
  (
    cd "${SERVICE_CWD:-${NETWORK_DIR}}" || exit 1
    exec setsid "$@" >>"${LOG_DIR}/${name}.log" 2>&1 </dev/null
  ) &
  pid=$!
  echo "${pid}" >"${PID_DIR}/${name}.pid"
  # A non-interactive shell's background child is never a group leader, so
  # setsid runs in place and the PID is the new group's id. Check it anyway:
  # down.sh kills by group.
  local i
  for ((i = 0; i < 50; i++)); do
    pgid=$(ps -o pgid= -p "${pid}" 2>/dev/null | tr -d ' ' || true)
    [[ -z "${pgid}" || "${pgid}" == "${pid}" ]] && return 0
    sleep 0.02
  done
  warn "${name}: pid ${pid} is in process group ${pgid}, not its own"
}

# pid_alive NAME : the recorded process is still running.
pid_alive() {
  local f="${PID_DIR}/$1.pid" pid
  [[ -f "${f}" ]] || return 1
  pid=$(<"${f}")
  kill -0 "${pid}" 2>/dev/null
}

# stop_services NAME... : TERM every process group recorded for the NAMEs at
# once (Fabric nodes take ~2 s each to shut down gracefully), wait up to 10 s
# for all of them, then KILL whatever remains of those groups.
stop_services() {
  local name f pid i pending
  local -a pids=()
  for name in "$@"; do
    f="${PID_DIR}/${name}.pid"
    [[ -f "${f}" ]] || continue
    pid=$(<"${f}")
    if [[ "${pid}" =~ ^[0-9]+$ ]] && kill -0 -- "-${pid}" 2>/dev/null; then
      log "stopping ${name} (process group ${pid})"
      kill -TERM -- "-${pid}" 2>/dev/null || true
      pids+=("${pid}")
    fi
  done
  for ((i = 0; i < 100; i++)); do
    pending=0
    for pid in "${pids[@]}"; do
      kill -0 -- "-${pid}" 2>/dev/null && pending=1
    done
    ((pending)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 -- "-${pid}" 2>/dev/null; then
      warn "process group ${pid} still running after 10s: sending KILL"
      kill -KILL -- "-${pid}" 2>/dev/null || true
    fi
  done
  for name in "$@"; do rm -f "${PID_DIR}/${name}.pid"; done
}

stop_service() { stop_services "$1"; }

# Environment for the peer CLI acting as an org's admin against its peer.
# usage: use_org a|b
use_org() {
  local org=$1 domain port msp
  case "${org}" in
    a) domain=hospital-a.careledger.local port=${PEER_A_PORT} msp=HospitalAMSP ;;
    b) domain=hospital-b.careledger.local port=${PEER_B_PORT} msp=HospitalBMSP ;;
    *) die "unknown org ${org}" ;;
  esac
  export FABRIC_CFG_PATH="${STATE_DIR}/config/peer"
  export CORE_PEER_LOCALMSPID="${msp}"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_ADDRESS="localhost:${port}"
  export CORE_PEER_TLS_ROOTCERT_FILE="${CRYPTO_DIR}/peerOrganizations/${domain}/peers/peer0.${domain}/tls/ca.crt"
  export CORE_PEER_MSPCONFIGPATH="${CRYPTO_DIR}/peerOrganizations/${domain}/users/Admin@${domain}/msp"
}

peer_tls_ca() {
  local domain="hospital-$1.careledger.local"
  echo "${CRYPTO_DIR}/peerOrganizations/${domain}/peers/peer0.${domain}/tls/ca.crt"
}

# Writes the chaincode's collection config for the orgs in ORG_MSPS to FILE
# (what lives where: docs/ARCHITECTURE.md#where-data-lives):
# - org_<MSP>: everything of that org's patients; that org is the only member
#   (member-only read: no other org's client reads it, from a chaincode call or
#   from the peers' private-data delivery); its endorsement policy is that
#   org's peers, so a write to it commits only if that org endorsed it; another
#   org's client may write to it blind (its reader's access events, requests,
#   sessions, contributed records), endorsed by that org;
# - share_<HOME>_<READER>, for every ordered pair of orgs: what the reader may
#   read of the home org's patients (copies the home org writes); only those two
#   orgs are members and only the home org's peers endorse; no peer count is
#   required, so the home org keeps working while the reader is unreachable (the
#   reader's peers pull what they missed);
# - dir_<MSP>: the org's directory (users, its own entry), every org a member,
#   written only by that org's clients and endorsed only by its peers.
# usage: write_collections_config FILE
write_collections_config() {
  local file=$1
  ORGS="${ORG_MSPS[*]}" "${NODE_BIN}" -e '
    const orgs = process.env.ORGS.split(" ");
    const anyMember = `OR(${orgs.map((o) => `'"'"'${o}.member'"'"'`).join(",")})`;
    const only = (o) => ({ signaturePolicy: `OR('"'"'${o}.peer'"'"')` });
    const pairs = orgs.flatMap((home) => orgs.filter((reader) => reader !== home).map((reader) => [home, reader]));
    const config = [
      ...orgs.map((o) => ({
        name: `org_${o}`, policy: `OR('"'"'${o}.member'"'"')`, requiredPeerCount: 0, maxPeerCount: 1, blockToLive: 0,
        memberOnlyRead: true, memberOnlyWrite: false, endorsementPolicy: only(o),
      })),
      ...pairs.map(([home, reader]) => ({
        name: `share_${home}_${reader}`, policy: `OR('"'"'${home}.member'"'"','"'"'${reader}.member'"'"')`, requiredPeerCount: 0, maxPeerCount: 1,
        blockToLive: 0, memberOnlyRead: true, memberOnlyWrite: true, endorsementPolicy: only(home),
      })),
      ...orgs.map((o) => ({
        name: `dir_${o}`, policy: anyMember, requiredPeerCount: 1, maxPeerCount: 1, blockToLive: 0,
        memberOnlyRead: true, memberOnlyWrite: true, endorsementPolicy: only(o),
      })),
    ];
    process.stdout.write(JSON.stringify(config, null, 2) + "\n");
  ' >"${file}"
}
