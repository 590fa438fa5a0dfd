#!/usr/bin/env bash
# Brings up the CareLedger development network natively (no Docker):
#   - crypto material (cryptogen) and the channel genesis block (configtxgen)
#   - one etcdraft orderer joined to the channel through osnadmin
#   - one peer per hospital (HospitalAMSP, HospitalBMSP) joined to the channel
#   - a private Kubo (IPFS) node, the Firestore emulator and the Firebase Auth
#     emulator (firebase-tools, offline; its ID tokens are unsigned: dev only)
#   - the chaincode, deployed as a service (network/deploy-chaincode.sh)
# Builds the binaries first when they are missing (network/install.sh; a
# no-op when the cached versions match the pins).
# then writes network/.state/connection.json and prints every endpoint.
#
# Idempotent: when the network is already up it only prints the endpoints.
# A half-started network (an earlier failure) is torn down and started again.
#
# Environment:
#   CARELEDGER_DEPLOY_CHAINCODE=auto|1|0  deploy the chaincode (auto: when
#                                         chaincode/package.json exists)
#   CARELEDGER_FIRESTORE_EMULATOR         path of cloud_firestore_emulator
#                                         (default: from `gcloud info`)
#   FABRIC_LOGGING_SPEC                   log spec of the orderer and peers (info)
#   CARELEDGER_*_PORT                     see network/README.md
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
  consortium) exec bash "$(dirname "${BASH_SOURCE[0]}")/consortium.sh" up "${ARGS[@]}" ;;
  dev | development) set -- "${ARGS[@]}" ;;
  *) echo "unknown topology '${TOPOLOGY}' (dev or consortium)" >&2 && exit 2 ;;
esac

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

DEPLOY_CHAINCODE="${CARELEDGER_DEPLOY_CHAINCODE:-auto}"
FIRESTORE_PROJECT="${CARELEDGER_FIRESTORE_PROJECT:-demo-careledger}"
CORE_SERVICES=(firestore auth kubo orderer peer-a peer-b)
FIREBASE_CLI="${REPO_DIR}/node_modules/firebase-tools/lib/bin/firebase.js"

print_endpoints() {
  local conn="${STATE_DIR}/connection.json"
  echo
  log "CareLedger network is up (state: ${STATE_DIR})"
  cat <<EOF
  channel              ${CHANNEL_NAME}
  orderer              localhost:${ORDERER_PORT} (TLS)    admin  localhost:${ORDERER_ADMIN_PORT} (mutual TLS)
  peer HospitalAMSP    localhost:${PEER_A_PORT} (TLS)    operations http://127.0.0.1:${PEER_A_OPS_PORT}/healthz
  peer HospitalBMSP    localhost:${PEER_B_PORT} (TLS)    operations http://127.0.0.1:${PEER_B_OPS_PORT}/healthz
  kubo api             http://127.0.0.1:${KUBO_API_PORT}    gateway http://127.0.0.1:${KUBO_GATEWAY_PORT}
  firestore emulator   FIRESTORE_EMULATOR_HOST=127.0.0.1:${FIRESTORE_PORT}
  firebase auth emul.  FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:${AUTH_PORT} (project ${FIRESTORE_PROJECT}; tests and dev only)
EOF
  if [[ -f "${STATE_DIR}/chaincode.json" ]]; then
    # shellcheck disable=SC2016 # JavaScript, not shell
    "${NODE_BIN}" -e '
      const c = require(process.argv[1]);
      console.log(`  chaincode            ${c.name} v${c.version} seq ${c.sequence} on ${c.address} (code sha256 ${c.codeHash.slice(0, 12)}…)`);
    ' "${STATE_DIR}/chaincode.json"
  else
    echo "  chaincode            not deployed (network/deploy-chaincode.sh)"
  fi
  echo "  connection profile   ${conn}"
  echo "  logs                 ${LOG_DIR}/*.log"
}

network_running() {
  [[ -f "${STATE_DIR}/connection.json" ]] || return 1
  local s
  for s in "${CORE_SERVICES[@]}"; do pid_alive "${s}" || return 1; done
  if [[ -f "${STATE_DIR}/chaincode.json" ]]; then pid_alive chaincode || return 1; fi
  return 0
}

# ---------------------------------------------------------------- preflight
STARTED=$(now)
# A clean clone (CI) has no binaries yet: build them (~4 min cold). When the
# cached versions match the pins this is a no-op.
if ! network_running; then
  "${NETWORK_DIR}/install.sh" || die "network/install.sh failed"
fi
require_binaries
[[ -n "${NODE_BIN}" ]] || die "node is required (npm ci installs Node 24 into node_modules/.bin)"

if network_running; then
  log "network already running"
  print_endpoints
  exit 0
fi
if [[ -d "${STATE_DIR}" ]]; then
  warn "found a partial network in ${STATE_DIR}: tearing it down first"
  "${NETWORK_DIR}/down.sh"
fi

busy=()
for p in $(all_ports); do port_open "${p}" && busy+=("${p}"); done
if ((${#busy[@]})); then
  die "ports already in use by something else: ${busy[*]} (see 'ss -ltnp'; override with CARELEDGER_*_PORT)"
fi

if [[ -n "${CARELEDGER_FIRESTORE_EMULATOR:-}" ]]; then
  FIRESTORE_BIN="${CARELEDGER_FIRESTORE_EMULATOR}"
else
  FIRESTORE_SDK_ROOT="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null || true)"
  FIRESTORE_BIN="${FIRESTORE_SDK_ROOT}/platform/cloud-firestore-emulator/cloud_firestore_emulator"
fi
[[ -x "${FIRESTORE_BIN}" ]] || die "Firestore emulator not found (${FIRESTORE_BIN}): install the Google Cloud CLI with its cloud-firestore-emulator component"
[[ -f "${FIREBASE_CLI}" ]] || die "firebase-tools not found (${FIREBASE_CLI}): run npm ci at the repository root"

mkdir -p "${STATE_DIR}" "${PID_DIR}" "${LOG_DIR}" "${STATE_DIR}/config"
on_exit() {
  local rc=$?
  if ((rc != 0)); then
    warn "network/up.sh failed: what did start is still running, for inspection."
    warn "logs: ${LOG_DIR}; stop it with network/down.sh (network/up.sh starts over)"
  fi
}
trap on_exit EXIT
PATH="${BIN_DIR}:${PATH}"

# ------------------------------------------------- Firestore emulator (java)
# Started first: the JVM takes a few seconds and runs while Fabric comes up.
# Its launcher script spawns java, so it gets its own process group.
log "starting Firestore emulator on 127.0.0.1:${FIRESTORE_PORT}"
start_service firestore "${FIRESTORE_BIN}" --host=127.0.0.1 --port="${FIRESTORE_PORT}"

# ------------------------------------------- Firebase Auth emulator (node)
# firebase-tools, offline: a demo- project needs no credentials and never
# reaches Google. Its ID tokens are unsigned (alg none): the gateway accepts
# them only with CARELEDGER_AUTH_EMULATOR=true. Takes ~6-15 s to answer, so
# it starts early too. The CLI writes its hub locator file under TMPDIR and
# its settings under XDG_CONFIG_HOME: both are kept in the state dir.
AUTH_DIR="${STATE_DIR}/auth"
mkdir -p "${AUTH_DIR}/tmp" "${AUTH_DIR}/config"
cat >"${AUTH_DIR}/firebase.json" <<EOF
{
  "emulators": {
    "auth": { "host": "127.0.0.1", "port": ${AUTH_PORT} },
    "hub": { "host": "127.0.0.1", "port": ${AUTH_HUB_PORT} },
    "logging": { "host": "127.0.0.1", "port": ${AUTH_LOGGING_PORT} },
    "ui": { "enabled": false },
    "singleProjectMode": true
  }
}
EOF
log "starting Firebase Auth emulator on 127.0.0.1:${AUTH_PORT} (project ${FIRESTORE_PROJECT})"
SERVICE_CWD="${AUTH_DIR}" start_service auth env \
  TMPDIR="${AUTH_DIR}/tmp" XDG_CONFIG_HOME="${AUTH_DIR}/config" CI=true NO_UPDATE_NOTIFIER=1 \
  FIREBASE_AUTH_EMULATOR_HOST= FIRESTORE_EMULATOR_HOST= \
  "${NODE_BIN}" "${FIREBASE_CLI}" emulators:start --only auth --project "${FIRESTORE_PROJECT}" --non-interactive

# ---------------------------------------------------------- Kubo (private)
export IPFS_PATH="${STATE_DIR}/ipfs"
# Telemetry is the only outbound call the test profile leaves on.
export IPFS_TELEMETRY=off
log "initialising a private Kubo node in ${IPFS_PATH}"
{
  # The test profile: no bootstrap peers, no MDNS, no AutoConf, loopback only.
  ipfs init --profile=test
  ipfs config Addresses.API "/ip4/127.0.0.1/tcp/${KUBO_API_PORT}"
  ipfs config Addresses.Gateway "/ip4/127.0.0.1/tcp/${KUBO_GATEWAY_PORT}"
  ipfs config --json Addresses.Swarm "[\"/ip4/127.0.0.1/tcp/${KUBO_SWARM_PORT}\"]"
  # No DHT, public or LAN: content is only ever served from this node.
  ipfs config Routing.Type none
  ipfs config --json Plugins.Plugins '{"telemetry": {"Config": {"Mode": "off"}}}'
} >>"${LOG_DIR}/kubo-init.log" 2>&1 || die "ipfs init failed (see ${LOG_DIR}/kubo-init.log)"
log "starting Kubo (api 127.0.0.1:${KUBO_API_PORT}, gateway 127.0.0.1:${KUBO_GATEWAY_PORT})"
start_service kubo env IPFS_PATH="${IPFS_PATH}" IPFS_TELEMETRY=off "${BIN_DIR}/ipfs" daemon --migrate=false

# ------------------------------------------------------------ crypto + block
log "generating crypto material (cryptogen)"
cryptogen generate --config="${NETWORK_DIR}/crypto-config.yaml" --output="${CRYPTO_DIR}" >"${LOG_DIR}/cryptogen.log" 2>&1 ||
  die "cryptogen failed (see ${LOG_DIR}/cryptogen.log)"

log "rendering configtx.yaml and creating the genesis block of channel '${CHANNEL_NAME}'"
mkdir -p "${STATE_DIR}/config/configtx" "${STATE_DIR}/channel"
# shellcheck disable=SC2016 # envsubst's list of the variables to substitute
CRYPTO_DIR="${CRYPTO_DIR}" ORDERER_PORT="${ORDERER_PORT}" PEER_A_PORT="${PEER_A_PORT}" PEER_B_PORT="${PEER_B_PORT}" \
  envsubst '${CRYPTO_DIR} ${ORDERER_PORT} ${PEER_A_PORT} ${PEER_B_PORT}' \
  <"${NETWORK_DIR}/configtx.yaml" >"${STATE_DIR}/config/configtx/configtx.yaml"
GENESIS_BLOCK="${STATE_DIR}/channel/${CHANNEL_NAME}.block"
configtxgen -configPath "${STATE_DIR}/config/configtx" -profile CareLedgerChannel \
  -channelID "${CHANNEL_NAME}" -outputBlock "${GENESIS_BLOCK}" >"${LOG_DIR}/configtxgen.log" 2>&1 ||
  die "configtxgen failed (see ${LOG_DIR}/configtxgen.log)"

# ------------------------------------------------------- node configuration
# Copies of Fabric's sampleconfig; everything node-specific goes through env.
mkdir -p "${STATE_DIR}/config/orderer" "${STATE_DIR}/config/peer"
cp "${BIN_DIR}/sampleconfig/orderer.yaml" "${STATE_DIR}/config/orderer/orderer.yaml"
cp "${BIN_DIR}/sampleconfig/core.yaml" "${STATE_DIR}/config/peer/core.yaml"
# CORE_VM_ENDPOINT= (empty) counts as unset and the peer falls back to the
# Docker socket, so the empty endpoint has to be in the file itself.
sed -i 's|^\(    endpoint:\) unix:///var/run/docker.sock$|\1 ""|' "${STATE_DIR}/config/peer/core.yaml"
grep -q '^    endpoint: ""$' "${STATE_DIR}/config/peer/core.yaml" ||
  die "could not set vm.endpoint in core.yaml (has the sampleconfig changed?)"

# ------------------------------------------------------------------ orderer
ORDERER_DIR="${ORDERER_ORG_DIR}/orderers/orderer.orderer.careledger.local"
mkdir -p "${STATE_DIR}/orderer"
log "starting orderer on localhost:${ORDERER_PORT} (admin localhost:${ORDERER_ADMIN_PORT})"
start_service orderer env \
  FABRIC_CFG_PATH="${STATE_DIR}/config/orderer" \
  FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC}" \
  ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 \
  ORDERER_GENERAL_LISTENPORT="${ORDERER_PORT}" \
  ORDERER_GENERAL_LOCALMSPID=OrdererMSP \
  ORDERER_GENERAL_LOCALMSPDIR="${ORDERER_DIR}/msp" \
  ORDERER_GENERAL_TLS_ENABLED=true \
  ORDERER_GENERAL_TLS_PRIVATEKEY="${ORDERER_TLS_DIR}/server.key" \
  ORDERER_GENERAL_TLS_CERTIFICATE="${ORDERER_TLS_DIR}/server.crt" \
  ORDERER_GENERAL_TLS_ROOTCAS="[${ORDERER_TLS_DIR}/ca.crt]" \
  ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="${ORDERER_TLS_DIR}/server.crt" \
  ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="${ORDERER_TLS_DIR}/server.key" \
  ORDERER_GENERAL_CLUSTER_ROOTCAS="[${ORDERER_TLS_DIR}/ca.crt]" \
  ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
  ORDERER_CHANNELPARTICIPATION_ENABLED=true \
  ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:${ORDERER_ADMIN_PORT}" \
  ORDERER_ADMIN_TLS_ENABLED=true \
  ORDERER_ADMIN_TLS_PRIVATEKEY="${ORDERER_TLS_DIR}/server.key" \
  ORDERER_ADMIN_TLS_CERTIFICATE="${ORDERER_TLS_DIR}/server.crt" \
  ORDERER_ADMIN_TLS_ROOTCAS="[${ORDERER_TLS_DIR}/ca.crt]" \
  ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
  ORDERER_ADMIN_TLS_CLIENTROOTCAS="[${ORDERER_TLS_DIR}/ca.crt]" \
  ORDERER_OPERATIONS_LISTENADDRESS="127.0.0.1:${ORDERER_OPS_PORT}" \
  ORDERER_METRICS_PROVIDER=prometheus \
  ORDERER_FILELEDGER_LOCATION="${STATE_DIR}/orderer/ledger" \
  ORDERER_CONSENSUS_WALDIR="${STATE_DIR}/orderer/etcdraft/wal" \
  ORDERER_CONSENSUS_SNAPDIR="${STATE_DIR}/orderer/etcdraft/snapshot" \
  "${BIN_DIR}/orderer"

# -------------------------------------------------------------------- peers
# A peer dials the other hospital's anchor peer the moment it joins the
# channel, often before it trusts that hospital's TLS CA: the attempt fails
# ("tls: bad certificate") and the next one comes after reconnectInterval
# (25 s in the sample core.yaml, i.e. ~30-40 s until the hospitals see each
# other). The membership tracker that logs "Membership view has changed"
# polls every 5 s by default; 1 s makes the readiness wait below tighter.
GOSSIP_RECONNECT_INTERVAL="${CARELEDGER_GOSSIP_RECONNECT_INTERVAL:-2s}"
GOSSIP_TRACKER_INTERVAL="${CARELEDGER_GOSSIP_TRACKER_INTERVAL:-1s}"

# usage: start_peer a|b PORT CHAINCODE_PORT OPS_PORT
start_peer() {
  local org=$1 port=$2 ccport=$3 opsport=$4 domain msp peer_dir
  domain="hospital-${org}.careledger.local"
  msp="Hospital${org^^}MSP"
  peer_dir="${CRYPTO_DIR}/peerOrganizations/${domain}/peers/peer0.${domain}"
  mkdir -p "${STATE_DIR}/peer-${org}"
  log "starting peer0.${domain} (${msp}) on localhost:${port}"
  start_service "peer-${org}" env \
    FABRIC_CFG_PATH="${STATE_DIR}/config/peer" \
    FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC}" \
    CORE_PEER_ID="peer0.${domain}" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:${port}" \
    CORE_PEER_ADDRESS="localhost:${port}" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:${ccport}" \
    CORE_PEER_CHAINCODEADDRESS="localhost:${ccport}" \
    CORE_PEER_GOSSIP_BOOTSTRAP="localhost:${port}" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="localhost:${port}" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL="${GOSSIP_RECONNECT_INTERVAL}" \
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL="${GOSSIP_TRACKER_INTERVAL}" \
    CORE_PEER_GOSSIP_PVTDATA_SKIPPULLINGINVALIDTRANSACTIONSDURINGCOMMIT=true \
    CORE_PEER_LOCALMSPID="${msp}" \
    CORE_PEER_MSPCONFIGPATH="${peer_dir}/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="${peer_dir}/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="${peer_dir}/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="${peer_dir}/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="${STATE_DIR}/peer-${org}/production" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="${STATE_DIR}/peer-${org}/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:${opsport}" \
    CORE_METRICS_PROVIDER=prometheus \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas, path: ${NETWORK_DIR}/builders/ccaas}]" \
    "${BIN_DIR}/peer" node start
}
start_peer a "${PEER_A_PORT}" "${PEER_A_CHAINCODE_PORT}" "${PEER_A_OPS_PORT}"
start_peer b "${PEER_B_PORT}" "${PEER_B_CHAINCODE_PORT}" "${PEER_B_OPS_PORT}"

# ------------------------------------------------------ orderer joins channel
# A bare TCP probe on a TLS port leaves "TLS handshake failed" noise in the
# logs: wait on the operations endpoints' /healthz instead.
wait_for_health orderer "${ORDERER_OPS_PORT}" 30
log "joining the orderer to '${CHANNEL_NAME}' (osnadmin)"
OSNADMIN_ARGS=(-o "localhost:${ORDERER_ADMIN_PORT}" --ca-file "${ORDERER_CA_FILE}"
  --client-cert "${ORDERER_ADMIN_TLS_DIR}/client.crt" --client-key "${ORDERER_ADMIN_TLS_DIR}/client.key")
# osnadmin exits 0 whatever the HTTP status: read the status it prints.
# /healthz can answer before the admin listener is up, hence the retries.
orderer_joined() {
  local out
  out=$(osnadmin channel join --channelID "${CHANNEL_NAME}" --config-block "${GENESIS_BLOCK}" "${OSNADMIN_ARGS[@]}" 2>&1) || true
  echo "${out}" >>"${LOG_DIR}/osnadmin.log"
  [[ "${out}" == *"Status: 201"* ]] && return 0
  out=$(osnadmin channel list --channelID "${CHANNEL_NAME}" "${OSNADMIN_ARGS[@]}" 2>&1) || true
  [[ "${out}" == *"Status: 200"* ]]
}
retry_for 20 0.5 orderer_joined || die "osnadmin channel join failed (see ${LOG_DIR}/osnadmin.log)"

# --------------------------------------------------------- peers join channel
# /healthz answers before the peer's gRPC service is up (ledger set-up can
# take a few seconds on a busy machine): retry the join until it is.
peer_joined() {
  (use_org "$1" && peer channel join -b "${GENESIS_BLOCK}") >>"${LOG_DIR}/peer-cli.log" 2>&1 ||
    (use_org "$1" && peer channel list 2>/dev/null | grep -qx "${CHANNEL_NAME}")
}
for org in a b; do
  ops_var="PEER_${org^^}_OPS_PORT"
  wait_for_health "peer-${org}" "${!ops_var}" 30
  log "joining peer-${org} to '${CHANNEL_NAME}'"
  retry_for 30 0.5 peer_joined "${org}" || die "peer-${org} could not join ${CHANNEL_NAME} in 30s (see ${LOG_DIR}/peer-cli.log)"
done

# ------------------------------------------------------------ readiness
log "waiting for the Raft leader"
retry_for 30 0.1 grep -q 'Raft leader changed' "${LOG_DIR}/orderer.log" ||
  die "the orderer elected no Raft leader in 30s (see ${LOG_DIR}/orderer.log)"

# Private data dissemination fails ("know of only 0 eligible peers") until
# the two peers have found each other through the anchor peers.
peers_see_each_other() {
  grep -q "Membership view has changed. peers went online:.*localhost:${PEER_B_PORT}" "${LOG_DIR}/peer-a.log" &&
    grep -q "Membership view has changed. peers went online:.*localhost:${PEER_A_PORT}" "${LOG_DIR}/peer-b.log"
}
log "waiting for gossip membership between the hospitals (usually 5-10 s)"
GOSSIP_STARTED=$(now)
retry_for 60 0.1 peers_see_each_other || die "the peers did not see each other within 60s (see ${LOG_DIR}/peer-*.log)"
log "the peers see each other (after $(elapsed "${GOSSIP_STARTED}")s)"

for p in "${KUBO_API_PORT}" "${FIRESTORE_PORT}"; do wait_for_port "${p}" "kubo/firestore" 60; done
wait_for_port "${AUTH_PORT}" "the Firebase Auth emulator" 90
log "Fabric, Kubo, Firestore and Firebase Auth are up ($(elapsed "${STARTED}")s)"

# ---------------------------------------------------------------- chaincode
case "${DEPLOY_CHAINCODE}" in
  1 | true | yes) "${NETWORK_DIR}/deploy-chaincode.sh" ;;
  auto)
    if [[ -f "${CARELEDGER_CHAINCODE_DIR:-${REPO_DIR}/chaincode}/package.json" ]]; then
      "${NETWORK_DIR}/deploy-chaincode.sh"
    else
      warn "no chaincode package found: skipping the chaincode (run network/deploy-chaincode.sh later)"
    fi
    ;;
  *) warn "CARELEDGER_DEPLOY_CHAINCODE=${DEPLOY_CHAINCODE}: chaincode not deployed" ;;
esac

# ------------------------------------------------------ connection profile
org_json() {
  local org=$1 port=$2 domain user_msp admin_msp
  domain="hospital-${org}.careledger.local"
  user_msp="${CRYPTO_DIR}/peerOrganizations/${domain}/users/User1@${domain}/msp"
  admin_msp="${CRYPTO_DIR}/peerOrganizations/${domain}/users/Admin@${domain}/msp"
  printf '%s\t' "hospital-${org}" "Hospital${org^^}MSP" "localhost:${port}" "peer0.${domain}" \
    "$(peer_tls_ca "${org}")" \
    "$(ls "${user_msp}"/signcerts/*.pem)" "$(ls "${user_msp}"/keystore/*)" \
    "$(ls "${admin_msp}"/signcerts/*.pem)" "$(ls "${admin_msp}"/keystore/*)"
  echo
}
{
  org_json a "${PEER_A_PORT}"
  org_json b "${PEER_B_PORT}"
} | CHANNEL="${CHANNEL_NAME}" CHAINCODE="${CHAINCODE_NAME}" \
  ORDERER="localhost:${ORDERER_PORT}" ORDERER_CA="${ORDERER_CA_FILE}" \
  KUBO_API="http://127.0.0.1:${KUBO_API_PORT}" KUBO_GATEWAY="http://127.0.0.1:${KUBO_GATEWAY_PORT}" \
  FIRESTORE_HOST="127.0.0.1:${FIRESTORE_PORT}" FIRESTORE_PROJECT="${FIRESTORE_PROJECT}" \
  AUTH_HOST="127.0.0.1:${AUTH_PORT}" \
  CHAINCODE_INFO="${STATE_DIR}/chaincode.json" \
  "${NODE_BIN}" -e '
    const fs = require("node:fs");
    const e = process.env;
    const organizations = {};
    for (const line of fs.readFileSync(0, "utf8").trim().split("\n")) {
      const [name, mspId, peerEndpoint, peerHostAlias, tlsCaCertPath,
             clientCertPath, clientKeyPath, adminCertPath, adminKeyPath] = line.split("\t");
      organizations[mspId] = { name, mspId, peerEndpoint, peerHostAlias, tlsCaCertPath,
        clientCertPath, clientKeyPath, adminCertPath, adminKeyPath };
    }
    const profile = {
      channel: e.CHANNEL,
      chaincode: e.CHAINCODE,
      // Written by deploy-chaincode.sh (package id, sequence, code hash).
      chaincodeInfo: e.CHAINCODE_INFO,
      organizations,
      orderer: { endpoint: e.ORDERER, tlsCaCertPath: e.ORDERER_CA },
      kubo: { apiUrl: e.KUBO_API, gatewayUrl: e.KUBO_GATEWAY },
      firestore: { emulatorHost: e.FIRESTORE_HOST, projectId: e.FIRESTORE_PROJECT },
      // Tests and local development only: the emulator issues unsigned tokens.
      auth: { emulatorHost: e.AUTH_HOST, projectId: e.FIRESTORE_PROJECT },
    };
    process.stdout.write(JSON.stringify(profile, null, 2) + "\n");
  ' >"${STATE_DIR}/connection.json.tmp"
mv "${STATE_DIR}/connection.json.tmp" "${STATE_DIR}/connection.json"

log "network up in $(elapsed "${STARTED}")s"
print_endpoints
