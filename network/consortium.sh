#!/usr/bin/env bash
# The consortium topology: every hospital on its own host. Run through
# `npm run network:up -- --topology consortium` / `npm run network:down -- --topology consortium`
# (or directly: network/consortium.sh up|down|status).
#
# N hospitals (default 3: hospital-a, -b, -c; --hospitals N or CARELEDGER_CONSORTIUM_HOSPITALS),
# each in its own Linux network namespace with its own address on a bridge, each running:
#   - one etcdraft orderer (the ordering service is one orderer per hospital, no central operator)
#   - two peers (gossip leader election; peer0 is the org's anchor peer)
#   - its chaincode-as-a-service process (its peers dial it on the namespace's loopback)
#   - its own Kubo node in a private swarm (swarm key generated here, LIBP2P_FORCE_PNET=1,
#     bootstrap and peering = the other hospitals' nodes only, no DHT)
#   - its own gateway (network profile, its own connection profile and key-encryption key)
# and a "cloud" namespace runs the Firestore and Firebase Auth emulators.
#
# Every Fabric and Kubo config (crypto-config, configtx, collection config, policies, swarm
# bootstrap lists) is generated from the hospital list. A hospital's keys, ledgers, blocks and
# blobs live only under network/.consortium/<hospital>/; network/.consortium/shared/ holds only
# public material (MSP certificates, the genesis block, Fabric's sample configs).
#
# usage: network/consortium.sh up [--hospitals N]
#        network/consortium.sh down [--keep-state]
#        network/consortium.sh status            (endpoints, RSS per hospital)
#        network/consortium.sh stop|start HOSPITAL orderer|peer0|peer1|kubo|gateway
# Needs root (ip netns, veth, bridge). Environment: see network/README.md, "Consortium topology".
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

C_DIR="${CARELEDGER_CONSORTIUM_DIR:-${NETWORK_DIR}/.consortium}"
C_NET="${CARELEDGER_CONSORTIUM_NET:-10.77.0}"     # the bridge's /24
C_BRIDGE="${CARELEDGER_CONSORTIUM_BRIDGE:-clbr0}"
C_NS_PREFIX="${CARELEDGER_CONSORTIUM_NS_PREFIX:-careledger-}"
C_HOSPITALS="${CARELEDGER_CONSORTIUM_HOSPITALS:-3}"
C_PROJECT="${CARELEDGER_FIRESTORE_PROJECT:-demo-careledger}"
SHARED="${C_DIR}/shared"
CLOUD="${C_DIR}/cloud"
CLOUD_IP="${C_NET}.2"
BRIDGE_IP="${C_NET}.1"
# The same ports in every hospital namespace (each has its own address).
P_ORDERER=7050 P_ORDERER_ADMIN=7053 P_ORDERER_OPS=8443
P_PEER0=7051 P_PEER0_CC=7052 P_PEER0_OPS=9443
P_PEER1=8051 P_PEER1_CC=8052 P_PEER1_OPS=9444
P_CHAINCODE=9999 P_KUBO_API=5001 P_KUBO_GATEWAY=8080 P_KUBO_SWARM=4001 P_GATEWAY=3000
P_FIRESTORE=8081 P_AUTH=9099 P_AUTH_HUB=4400 P_AUTH_LOGGING=4500
FIREBASE_CLI="${REPO_DIR}/node_modules/firebase-tools/lib/bin/firebase.js"
GOSSIP_RECONNECT_INTERVAL="${CARELEDGER_GOSSIP_RECONNECT_INTERVAL:-2s}"
PATH="${BIN_DIR}:${PATH}"

# ------------------------------------------------------------ hospital list
# Hospital i (1-based) is hospital-<letter>, MSP Hospital<LETTER>MSP, its orderer org
# Hospital<LETTER>OrdererMSP, namespace careledger-hospital-<letter>, address <net>.(10+i).
# CARELEDGER_CONSORTIUM_ADDR_<LETTER> overrides one hospital's address (for a real machine).
HOSPITALS=()
set_hospitals() {
  local n=$1 i
  [[ "${n}" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 26)) || die "--hospitals must be 1..26 (got ${n})"
  HOSPITALS=()
  for ((i = 0; i < n; i++)); do HOSPITALS+=("$(printf "\\x$(printf %x $((97 + i)))")"); done
}
h_name() { echo "hospital-$1"; }
h_msp() { echo "Hospital${1^^}MSP"; }
h_omsp() { echo "Hospital${1^^}OrdererMSP"; }
h_ns() { echo "${C_NS_PREFIX}hospital-$1"; }
h_dir() { echo "${C_DIR}/hospital-$1"; }
h_domain() { echo "hospital-$1.careledger.local"; }
h_odomain() { echo "orderer.hospital-$1.careledger.local"; }
h_ip() {
  local var="CARELEDGER_CONSORTIUM_ADDR_${1^^}" idx
  idx=$(($(printf '%d' "'$1") - 96))
  echo "${!var:-${C_NET}.$((10 + idx))}"
}
h_peer_dir() { echo "$(h_dir "$1")/crypto/peerOrganizations/$(h_domain "$1")/peers/peer$2.$(h_domain "$1")"; }
h_orderer_dir() { echo "$(h_dir "$1")/crypto/ordererOrganizations/$(h_odomain "$1")/orderers/orderer.$(h_odomain "$1")"; }
h_admin_msp() { echo "$(h_dir "$1")/crypto/peerOrganizations/$(h_domain "$1")/users/Admin@$(h_domain "$1")/msp"; }
h_peer_ca() { echo "$(h_peer_dir "$1" 0)/tls/ca.crt"; }
h_orderer_ca() { echo "$(h_orderer_dir "$1")/tls/ca.crt"; }
# A hospital added to a running consortium (network/add-hospital.sh) runs no orderer of its own: its
# peers and gateway use the consortium's orderers (the channel config lists them all).
h_runs_orderer() { [[ ! -f "$(h_dir "$1")/no-orderer" ]]; }
# h_ordering H : the hospital whose orderer H's CLI calls and gateway use (its own, or the first
# hospital's that runs one); its TLS CA is the public copy in shared/.
h_ordering() {
  local o
  if h_runs_orderer "$1"; then echo "$1" && return; fi
  for o in "${HOSPITALS[@]}"; do h_runs_orderer "${o}" && echo "${o}" && return; done
  die "no hospital runs an orderer"
}
h_orderer_endpoint() { echo "$(h_ip "$(h_ordering "$1")"):${P_ORDERER}"; }
h_orderer_tls_ca() { echo "${SHARED}/consenters/$(h_omsp "$(h_ordering "$1")")-ca.crt"; }
cloud_ns() { echo "${C_NS_PREFIX}cloud"; }

# Per-component logs and pids: start_service/stop_services use PID_DIR and LOG_DIR.
in_hospital() { PID_DIR="$(h_dir "$1")/pids" LOG_DIR="$(h_dir "$1")/logs"; }
in_cloud() { PID_DIR="${CLOUD}/pids" LOG_DIR="${CLOUD}/logs"; }

# healthy_at HOST:PORT : a Fabric node's /healthz answers OK.
healthy_at() {
  HEALTH_BODY=$(curl -s --max-time 1 "http://$1/healthz" || true)
  [[ "${HEALTH_BODY}" == *'"OK"'* ]]
}
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# --------------------------------------------------------------- namespaces
# A bridge in the root namespace (address .1), one veth pair per namespace: the root end
# is enslaved to the bridge, the other end becomes eth0 inside the namespace. Everything
# created is recorded in ${C_DIR}/links so that down removes exactly that.
make_namespace() {
  local ns=$1 ip=$2 short=$3
  ip netns add "${ns}"
  echo "netns ${ns}" >>"${C_DIR}/links"
  ip link add "cl-${short}" type veth peer name "cl-${short}-ns"
  ip link set "cl-${short}" master "${C_BRIDGE}" up
  ip link set "cl-${short}-ns" netns "${ns}"
  ip -n "${ns}" link set "cl-${short}-ns" name eth0
  ip -n "${ns}" addr add "${ip}/24" dev eth0
  ip -n "${ns}" link set lo up
  ip -n "${ns}" link set eth0 up
}

namespaces_up() {
  log "creating bridge ${C_BRIDGE} (${BRIDGE_IP}/24) and the namespaces"
  ip link show "${C_BRIDGE}" >/dev/null 2>&1 && die "bridge ${C_BRIDGE} already exists (a consortium already up? network/consortium.sh down)"
  ip link add "${C_BRIDGE}" type bridge
  echo "bridge ${C_BRIDGE}" >>"${C_DIR}/links"
  ip addr add "${BRIDGE_IP}/24" dev "${C_BRIDGE}"
  ip link set "${C_BRIDGE}" up
  make_namespace "$(cloud_ns)" "${CLOUD_IP}" cloud
  local h
  for h in "${HOSPITALS[@]}"; do make_namespace "$(h_ns "${h}")" "$(h_ip "${h}")" "h${h}"; done
}

namespaces_down() {
  [[ -f "${C_DIR}/links" ]] || return 0
  local kind name
  # Namespaces first (their veth ends go with them), then the bridge.
  while read -r kind name; do
    [[ "${kind}" == netns ]] && ip netns del "${name}" 2>/dev/null || true
  done <"${C_DIR}/links"
  while read -r kind name; do
    [[ "${kind}" == bridge ]] && ip link del "${name}" 2>/dev/null || true
  done <"${C_DIR}/links"
  rm -f "${C_DIR}/links"
}

# start_in NS NAME CMD... : start_service inside a namespace (ip netns exec execs in place,
# so the recorded PID is still the process group of the command).
start_in() {
  local ns=$1 name=$2
  shift 2
  start_service "${name}" ip netns exec "${ns}" "$@"
}

# ------------------------------------------------------------- crypto, block
# gen_crypto_config HOSPITAL... : the cryptogen config for these hospitals (an orderer org for those
# that run an orderer, a peer org for each).
gen_crypto_config() {
  local h ip
  echo "# Generated by network/consortium.sh from the hospital list; do not edit."
  echo "OrdererOrgs:"
  for h in "$@"; do
    h_runs_orderer "${h}" || continue
    ip=$(h_ip "${h}")
    cat <<EOF
  - Name: Hospital${h^^}Orderer
    Domain: $(h_odomain "${h}")
    EnableNodeOUs: true
    Specs:
      - Hostname: orderer
        SANS: [localhost, 127.0.0.1, ${ip}]
EOF
  done
  echo "PeerOrgs:"
  for h in "$@"; do
    ip=$(h_ip "${h}")
    cat <<EOF
  - Name: Hospital${h^^}
    Domain: $(h_domain "${h}")
    EnableNodeOUs: true
    Template:
      Count: 2
      SANS: [localhost, 127.0.0.1, ${ip}]
    Users:
      Count: 1
EOF
  done
}

# gen_configtx HOSPITAL... : configtx.yaml for these hospitals (configtxgen reads the genesis block's
# profile and, for an added hospital, its org definition from it).
gen_configtx() {
  local h ip omsp msp
  echo "# Generated by network/consortium.sh from the hospital list; do not edit."
  echo "Organizations:"
  for h in "$@"; do
    ip=$(h_ip "${h}") omsp=$(h_omsp "${h}") msp=$(h_msp "${h}")
    if h_runs_orderer "${h}"; then cat <<EOF
  - &${omsp}
    Name: ${omsp}
    ID: ${omsp}
    MSPDir: ${SHARED}/msp/${omsp}
    Policies:
      Readers: { Type: Signature, Rule: "OR('${omsp}.member')" }
      Writers: { Type: Signature, Rule: "OR('${omsp}.member')" }
      Admins: { Type: Signature, Rule: "OR('${omsp}.admin')" }
    OrdererEndpoints:
      - ${ip}:${P_ORDERER}
EOF
    fi
    cat <<EOF
  - &${msp}
    Name: ${msp}
    ID: ${msp}
    MSPDir: ${SHARED}/msp/${msp}
    Policies:
      Readers: { Type: Signature, Rule: "OR('${msp}.admin', '${msp}.peer', '${msp}.client')" }
      Writers: { Type: Signature, Rule: "OR('${msp}.admin', '${msp}.client')" }
      Admins: { Type: Signature, Rule: "OR('${msp}.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('${msp}.peer')" }
    AnchorPeers:
      - Host: ${ip}
        Port: ${P_PEER0}
EOF
  done
  cat <<EOF
Capabilities:
  Channel: &ChannelCapabilities { V2_0: true }
  Orderer: &OrdererCapabilities { V2_0: true }
  Application: &ApplicationCapabilities { V2_5: true }
Profiles:
  CareLedgerConsortium:
    Policies:
      Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
      Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
      Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
    Capabilities: *ChannelCapabilities
    Orderer:
      OrdererType: etcdraft
      BatchTimeout: 20ms
      BatchSize: { MaxMessageCount: 100, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 512 KB }
      EtcdRaft:
        Consenters:
EOF
  for h in "$@"; do
    h_runs_orderer "${h}" || continue
    cat <<EOF
          - Host: $(h_ip "${h}")
            Port: ${P_ORDERER}
            ClientTLSCert: ${SHARED}/consenters/$(h_omsp "${h}").crt
            ServerTLSCert: ${SHARED}/consenters/$(h_omsp "${h}").crt
EOF
  done
  cat <<EOF
        Options: { TickInterval: 500ms, ElectionTick: 10, HeartbeatTick: 1, MaxInflightBlocks: 5, SnapshotIntervalSize: 16 MB }
      Organizations:
EOF
  for h in "$@"; do if h_runs_orderer "${h}"; then echo "        - *$(h_omsp "${h}")"; fi; done
  cat <<EOF
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        BlockValidation: { Type: ImplicitMeta, Rule: "ANY Writers" }
      Capabilities: *OrdererCapabilities
    Application:
      Organizations:
EOF
  for h in "$@"; do echo "        - *$(h_msp "${h}")"; done
  cat <<EOF
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        LifecycleEndorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
        Endorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
      Capabilities: *ApplicationCapabilities
EOF
}

# cryptogen writes every org into one tree; each org's tree (private keys included) is
# moved under its hospital's folder, and only the org-level MSPs (certificates) and the
# orderers' TLS certificates are copied to shared/ for configtxgen.
# usage: make_crypto HOSPITAL... (the consortium's at up; the new one at add-hospital)
make_crypto() {
  local tmp="${C_DIR}/.cryptogen" h config="${SHARED}/crypto-config.yaml"
  [[ -f "${config}" ]] && config="${SHARED}/crypto-config-$(IFS=-; echo "$*").yaml"
  gen_crypto_config "$@" >"${config}"
  rm -rf "${tmp}"
  cryptogen generate --config="${config}" --output="${tmp}" >>"${SHARED}/cryptogen.log" 2>&1 ||
    die "cryptogen failed (see ${SHARED}/cryptogen.log)"
  mkdir -p "${SHARED}/msp" "${SHARED}/consenters"
  for h in "$@"; do
    mkdir -p "$(h_dir "${h}")/crypto/peerOrganizations" "$(h_dir "${h}")/crypto/ordererOrganizations"
    mv "${tmp}/peerOrganizations/$(h_domain "${h}")" "$(h_dir "${h}")/crypto/peerOrganizations/"
    cp -r "$(h_dir "${h}")/crypto/peerOrganizations/$(h_domain "${h}")/msp" "${SHARED}/msp/$(h_msp "${h}")"
    h_runs_orderer "${h}" || continue
    mv "${tmp}/ordererOrganizations/$(h_odomain "${h}")" "$(h_dir "${h}")/crypto/ordererOrganizations/"
    cp -r "$(h_dir "${h}")/crypto/ordererOrganizations/$(h_odomain "${h}")/msp" "${SHARED}/msp/$(h_omsp "${h}")"
    cp "$(h_orderer_dir "${h}")/tls/server.crt" "${SHARED}/consenters/$(h_omsp "${h}").crt"
    cp "$(h_orderer_ca "${h}")" "${SHARED}/consenters/$(h_omsp "${h}")-ca.crt"
  done
  rm -rf "${tmp}"
  if find "${SHARED}" -name 'priv_sk' -o -name '*.key' | grep -q .; then die "a private key ended up in ${SHARED}"; fi
}

# ---------------------------------------------------------------- processes
start_orderer() {
  local h=$1 od ip cas
  od=$(h_orderer_dir "${h}") ip=$(h_ip "${h}")
  cas=$(printf '%s,' "${SHARED}"/consenters/*-ca.crt)
  cas="[${cas%,}]"
  in_hospital "${h}"
  mkdir -p "$(h_dir "${h}")/orderer"
  start_in "$(h_ns "${h}")" orderer env \
    FABRIC_CFG_PATH="${SHARED}/config/orderer" \
    FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC}" \
    ORDERER_GENERAL_LISTENADDRESS=0.0.0.0 \
    ORDERER_GENERAL_LISTENPORT="${P_ORDERER}" \
    ORDERER_GENERAL_LOCALMSPID="$(h_omsp "${h}")" \
    ORDERER_GENERAL_LOCALMSPDIR="${od}/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_PRIVATEKEY="${od}/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="${od}/tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="${cas}" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="${od}/tls/server.crt" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="${od}/tls/server.key" \
    ORDERER_GENERAL_CLUSTER_ROOTCAS="${cas}" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_GENERAL_KEEPALIVE_SERVERMININTERVAL=2s \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_ADMIN_LISTENADDRESS="0.0.0.0:${P_ORDERER_ADMIN}" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_PRIVATEKEY="${od}/tls/server.key" \
    ORDERER_ADMIN_TLS_CERTIFICATE="${od}/tls/server.crt" \
    ORDERER_ADMIN_TLS_ROOTCAS="[${od}/tls/ca.crt]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[${od}/tls/ca.crt]" \
    ORDERER_OPERATIONS_LISTENADDRESS="0.0.0.0:${P_ORDERER_OPS}" \
    ORDERER_METRICS_PROVIDER=prometheus \
    ORDERER_FILELEDGER_LOCATION="$(h_dir "${h}")/orderer/ledger" \
    ORDERER_CONSENSUS_WALDIR="$(h_dir "${h}")/orderer/etcdraft/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$(h_dir "${h}")/orderer/etcdraft/snapshot" \
    "${BIN_DIR}/orderer"
}

# start_peer H N : peer N (0 or 1) of hospital H. Both use leader election for the org's
# block delivery from the ordering service and bootstrap gossip from each other; peer0 is
# the anchor peer (in the genesis block). With Fabric's default alive/election timings a
# stopped leader was replaced only after ~70 s (the org received no blocks meanwhile); the
# shorter ones below make the other peer take over within a few seconds. A hospital cut off
# from the network drops packets silently, so a stream to its orderer looks alive: the block
# delivery stream pings its orderer every 5 s (dead after 3 s more: the peer reconnects to
# another orderer; the orderers allow pings every 2 s), and the gateway gives an orderer 3 s
# to accept a transaction before it tries the next (default 30 s, beyond a client's deadline).
start_peer() {
  local h=$1 n=$2 pd ip port ccport opsport other
  pd=$(h_peer_dir "${h}" "${n}") ip=$(h_ip "${h}")
  if ((n == 0)); then port=${P_PEER0} ccport=${P_PEER0_CC} opsport=${P_PEER0_OPS} other=${P_PEER1}; else
    port=${P_PEER1} ccport=${P_PEER1_CC} opsport=${P_PEER1_OPS} other=${P_PEER0}
  fi
  in_hospital "${h}"
  mkdir -p "$(h_dir "${h}")/peer${n}"
  start_in "$(h_ns "${h}")" "peer${n}" env \
    FABRIC_CFG_PATH="${SHARED}/config/peer" \
    FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC}" \
    CORE_PEER_ID="peer${n}.$(h_domain "${h}")" \
    CORE_PEER_LISTENADDRESS="0.0.0.0:${port}" \
    CORE_PEER_ADDRESS="${ip}:${port}" \
    CORE_PEER_CHAINCODELISTENADDRESS="0.0.0.0:${ccport}" \
    CORE_PEER_CHAINCODEADDRESS="${ip}:${ccport}" \
    CORE_PEER_GOSSIP_BOOTSTRAP="${ip}:${other}" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="${ip}:${port}" \
    CORE_PEER_GOSSIP_USELEADERELECTION=true \
    CORE_PEER_GOSSIP_ORGLEADER=false \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL="${GOSSIP_RECONNECT_INTERVAL}" \
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL=1s \
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s \
    CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=5s \
    CORE_PEER_GOSSIP_ELECTION_LEADERALIVETHRESHOLD=3s \
    CORE_PEER_GOSSIP_ELECTION_LEADERELECTIONDURATION=2s \
    CORE_PEER_GOSSIP_PVTDATA_SKIPPULLINGINVALIDTRANSACTIONSDURINGCOMMIT=true \
    CORE_PEER_KEEPALIVE_DELIVERYCLIENT_INTERVAL=5s CORE_PEER_KEEPALIVE_DELIVERYCLIENT_TIMEOUT=3s \
    CORE_PEER_GATEWAY_BROADCASTTIMEOUT=3s \
    CORE_PEER_LOCALMSPID="$(h_msp "${h}")" \
    CORE_PEER_MSPCONFIGPATH="${pd}/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="${pd}/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="${pd}/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="${pd}/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$(h_dir "${h}")/peer${n}/production" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$(h_dir "${h}")/peer${n}/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="0.0.0.0:${opsport}" \
    CORE_METRICS_PROVIDER=prometheus \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas, path: ${NETWORK_DIR}/builders/ccaas}]" \
    "${BIN_DIR}/peer" node start
}

# as_admin H N : environment of the peer CLI acting as hospital H's admin against its peer N.
as_admin() {
  local h=$1 n=${2:-0} port
  port=$([[ "${n}" == 0 ]] && echo "${P_PEER0}" || echo "${P_PEER1}")
  export FABRIC_CFG_PATH="${SHARED}/config/peer"
  export CORE_PEER_LOCALMSPID
  CORE_PEER_LOCALMSPID="$(h_msp "${h}")"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_ADDRESS="$(h_ip "${h}"):${port}"
  export CORE_PEER_TLS_ROOTCERT_FILE
  CORE_PEER_TLS_ROOTCERT_FILE="$(h_peer_ca "${h}")"
  export CORE_PEER_MSPCONFIGPATH
  CORE_PEER_MSPCONFIGPATH="$(h_admin_msp "${h}")"
}

orderer_joined() {
  local h=$1 od admin out args
  od=$(h_orderer_dir "${h}")
  admin="$(h_dir "${h}")/crypto/ordererOrganizations/$(h_odomain "${h}")/users/Admin@$(h_odomain "${h}")/tls"
  args=(-o "$(h_ip "${h}"):${P_ORDERER_ADMIN}" --ca-file "${od}/tls/ca.crt" --client-cert "${admin}/client.crt" --client-key "${admin}/client.key")
  out=$(osnadmin channel join --channelID "${CHANNEL_NAME}" --config-block "${SHARED}/${CHANNEL_NAME}.block" "${args[@]}" 2>&1) || true
  echo "${out}" >>"$(h_dir "${h}")/logs/osnadmin.log"
  [[ "${out}" == *"Status: 201"* ]] && return 0
  out=$(osnadmin channel list --channelID "${CHANNEL_NAME}" "${args[@]}" 2>&1) || true
  [[ "${out}" == *"Status: 200"* ]]
}

peer_joined() {
  local h=$1 n=$2
  (as_admin "${h}" "${n}" && peer channel join -b "${SHARED}/${CHANNEL_NAME}.block") >>"$(h_dir "${h}")/logs/peer-cli.log" 2>&1 ||
    (as_admin "${h}" "${n}" && peer channel list 2>/dev/null | grep -qx "${CHANNEL_NAME}")
}

# Every other hospital's anchor peer went online in this hospital's peer0's gossip view.
sees_everyone() {
  local h=$1 o log
  log="$(h_dir "${h}")/logs/peer0.log"
  for o in "${HOSPITALS[@]}"; do
    [[ "${o}" == "${h}" ]] && continue
    grep -q "Membership view has changed. peers went online:.*$(h_ip "${o}"):${P_PEER0}" "${log}" || return 1
  done
}

raft_leader() {
  local h
  for h in "${HOSPITALS[@]}"; do grep -q 'Raft leader changed' "$(h_dir "${h}")/logs/orderer.log" 2>/dev/null && return 0; done
  return 1
}

# ---------------------------------------------------------------- chaincode
chaincode_answers() {
  (as_admin "$1" "$2" && peer chaincode query -C "${CHANNEL_NAME}" -n "${CHAINCODE_NAME}" \
    -c '{"Args":["org.hyperledger.fabric:GetMetadata"]}') >/dev/null 2>&1
}
chaincode_listening() { ip netns exec "$(h_ns "$1")" bash -c "(exec 3<>/dev/tcp/127.0.0.1/${P_CHAINCODE}) 2>/dev/null"; }
# cc_package : builds the chaincode and its ccaas package (the same for every hospital: each
# hospital's peers dial the chaincode server of their own namespace on its loopback address).
# Sets CC_DIR, CC_VERSION, CC_PACKAGE, CC_PACKAGE_ID.
cc_package() {
  local pkg_dir
  CC_DIR="${REPO_DIR}/chaincode"
  log "building the chaincode (tsc -b chaincode)"
  (cd "${REPO_DIR}" && PATH="${REPO_DIR}/node_modules/.bin:${PATH}" tsc -b chaincode) || die "the chaincode does not compile"
  CC_VERSION=$("${NODE_BIN}" -p 'require(process.argv[1]).version' "${CC_DIR}/package.json")
  pkg_dir="${SHARED}/chaincode"
  rm -rf "${pkg_dir}"
  mkdir -p "${pkg_dir}/code"
  printf '{\n  "address": "127.0.0.1:%s",\n  "dial_timeout": "10s",\n  "tls_required": false\n}\n' "${P_CHAINCODE}" >"${pkg_dir}/code/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "${CHAINCODE_LABEL}" >"${pkg_dir}/metadata.json"
  local tar_opts=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
  tar -C "${pkg_dir}/code" "${tar_opts[@]}" -cf - connection.json | gzip -n >"${pkg_dir}/code.tar.gz"
  CC_PACKAGE="${pkg_dir}/${CHAINCODE_LABEL}.tar.gz"
  tar -C "${pkg_dir}" "${tar_opts[@]}" -cf - metadata.json code.tar.gz | gzip -n >"${CC_PACKAGE}"
  CC_PACKAGE_ID=$(as_admin "${HOSPITALS[0]}" && peer lifecycle chaincode calculatepackageid "${CC_PACKAGE}")
  log "chaincode package ${CC_PACKAGE_ID}"
}

# cc_serve H : installs the package on H's two peers and starts H's chaincode server.
cc_serve() {
  local h=$1 n shim
  shim="${CC_DIR}/node_modules/.bin/fabric-chaincode-node"
  [[ -x "${shim}" ]] || shim="${REPO_DIR}/node_modules/.bin/fabric-chaincode-node"
  for n in 0 1; do
    (as_admin "${h}" "${n}" && peer lifecycle chaincode install "${CC_PACKAGE}") >>"$(h_dir "${h}")/logs/peer-cli.log" 2>&1 ||
      die "install on peer${n} of $(h_name "${h}") failed (see $(h_dir "${h}")/logs/peer-cli.log)"
  done
  in_hospital "${h}"
  SERVICE_CWD="${CC_DIR}" start_in "$(h_ns "${h}")" chaincode env -i \
    PATH="$(dirname "${NODE_BIN}"):/usr/local/bin:/usr/bin:/bin" HOME="${HOME}" \
    "${shim}" server --chaincode-address="127.0.0.1:${P_CHAINCODE}" --chaincode-id="${CC_PACKAGE_ID}" --module-path="${CC_DIR}"
}

# cc_definition HOSPITAL... : the chaincode definition for these member orgs: the endorsement policy
# (any member's peer) in CC_POLICY, the collection config in shared/collections_config.json.
cc_definition() {
  local h orgs=()
  for h in "$@"; do orgs+=("$(h_msp "${h}")"); done
  CC_POLICY="OR($(printf "'%s.peer'," "${orgs[@]}" | sed 's/,$//'))"
  ORG_MSPS=("${orgs[@]}")
  write_collections_config "${SHARED}/collections_config.json"
}

# cc_approve H SEQUENCE : H's admin approves the definition (CC_POLICY, the collection config) at SEQUENCE.
cc_approve() {
  local h=$1 seq=$2
  (as_admin "${h}" && peer lifecycle chaincode approveformyorg -o "$(h_orderer_endpoint "${h}")" --tls --cafile "$(h_orderer_tls_ca "${h}")" \
    --channelID "${CHANNEL_NAME}" --name "${CHAINCODE_NAME}" --version "${CC_VERSION}" --package-id "${CC_PACKAGE_ID}" --sequence "${seq}" \
    --signature-policy "${CC_POLICY}" --collections-config "${SHARED}/collections_config.json") >>"$(h_dir "${h}")/logs/peer-cli.log" 2>&1 ||
    die "approval by $(h_msp "${h}") (sequence ${seq}) failed (see $(h_dir "${h}")/logs/peer-cli.log)"
}

# cc_commit SEQUENCE SUBMITTER HOSPITAL... : SUBMITTER's admin commits the definition, endorsed by
# peer0 of each HOSPITAL (the lifecycle endorsement policy: a majority of the member orgs).
cc_commit() {
  local seq=$1 submitter=$2 h peers=()
  shift 2
  for h in "$@"; do peers+=(--peerAddresses "$(h_ip "${h}"):${P_PEER0}" --tlsRootCertFiles "$(h_peer_ca "${h}")"); done
  (as_admin "${submitter}" && peer lifecycle chaincode commit -o "$(h_orderer_endpoint "${submitter}")" --tls --cafile "$(h_orderer_tls_ca "${submitter}")" \
    --channelID "${CHANNEL_NAME}" --name "${CHAINCODE_NAME}" --version "${CC_VERSION}" --sequence "${seq}" \
    --signature-policy "${CC_POLICY}" --collections-config "${SHARED}/collections_config.json" "${peers[@]}") \
    >>"$(h_dir "${submitter}")/logs/peer-cli.log" 2>&1 || die "commit (sequence ${seq}) failed (see $(h_dir "${submitter}")/logs/peer-cli.log)"
}

# cc_record SEQUENCE HOSPITAL... : shared/chaincode.json, what the gateways and operators read.
cc_record() {
  local seq=$1 h orgs=()
  shift
  for h in "$@"; do orgs+=("$(h_msp "${h}")"); done
  printf '{"name":"%s","version":"%s","sequence":%s,"packageId":"%s","endorsementPolicy":"%s","orgs":%s}\n' \
    "${CHAINCODE_NAME}" "${CC_VERSION}" "${seq}" "${CC_PACKAGE_ID}" "${CC_POLICY}" \
    "$(printf '"%s",' "${orgs[@]}" | sed 's/^/[/; s/,$/]/')" >"${SHARED}/chaincode.json"
}

deploy_chaincode() {
  local started h n
  started=$(now)
  cc_package
  for h in "${HOSPITALS[@]}"; do cc_serve "${h}"; done
  cc_definition "${HOSPITALS[@]}"
  for h in "${HOSPITALS[@]}"; do
    retry_for 30 0.2 chaincode_listening "${h}" ||
      die "the chaincode server of $(h_name "${h}") did not listen (see $(h_dir "${h}")/logs/chaincode.log)"
    cc_approve "${h}" 1
  done
  log "committing ${CHAINCODE_NAME} (endorsement ${CC_POLICY}, collections for ${#HOSPITALS[@]} orgs)"
  cc_commit 1 "${HOSPITALS[0]}" "${HOSPITALS[@]}"
  for h in "${HOSPITALS[@]}"; do
    for n in 0 1; do
      retry_for 20 0.5 chaincode_answers "${h}" "${n}" || die "peer${n} of $(h_name "${h}") cannot reach its chaincode server"
    done
  done
  cc_record 1 "${HOSPITALS[@]}"
  log "chaincode deployed on $((${#HOSPITALS[@]} * 2)) peers ($(elapsed "${started}")s)"
}

# --------------------------------------------------------------------- Kubo
# A private swarm: one swarm key for the consortium (generated here, never leaves the
# hospitals' repos), LIBP2P_FORCE_PNET=1 (a node without the key refuses to start),
# bootstrap and peering = the other hospitals' nodes only, no DHT, no MDNS.
# init_kubo H [SWARM_KEY_FILE] : the key file defaults to the one generated at up (an added
# hospital receives the consortium's key from a member's repo).
init_kubo() {
  local h=$1 key=${2:-${C_DIR}/.swarm.key} repo
  repo="$(h_dir "${h}")/ipfs"
  {
    IPFS_PATH="${repo}" ipfs init --profile=test
    IPFS_PATH="${repo}" ipfs config Addresses.API "/ip4/$(h_ip "${h}")/tcp/${P_KUBO_API}"
    IPFS_PATH="${repo}" ipfs config Addresses.Gateway "/ip4/$(h_ip "${h}")/tcp/${P_KUBO_GATEWAY}"
    IPFS_PATH="${repo}" ipfs config --json Addresses.Swarm "[\"/ip4/$(h_ip "${h}")/tcp/${P_KUBO_SWARM}\"]"
    IPFS_PATH="${repo}" ipfs config Routing.Type none
    IPFS_PATH="${repo}" ipfs config --json Plugins.Plugins '{"telemetry": {"Config": {"Mode": "off"}}}'
  } >>"$(h_dir "${h}")/logs/kubo-init.log" 2>&1 || die "ipfs init for $(h_name "${h}") failed"
  cp "${key}" "${repo}/swarm.key"
  chmod 600 "${repo}/swarm.key"
  IPFS_PATH="${repo}" ipfs config Identity.PeerID >"$(h_dir "${h}")/ipfs.peerid"
}

configure_kubo_peers() {
  local h=$1 o repo addrs=() peering=()
  repo="$(h_dir "${h}")/ipfs"
  for o in "${HOSPITALS[@]}"; do
    [[ "${o}" == "${h}" ]] && continue
    local id
    id=$(<"$(h_dir "${o}")/ipfs.peerid")
    addrs+=("\"/ip4/$(h_ip "${o}")/tcp/${P_KUBO_SWARM}/p2p/${id}\"")
    peering+=("{\"ID\":\"${id}\",\"Addrs\":[\"/ip4/$(h_ip "${o}")/tcp/${P_KUBO_SWARM}\"]}")
  done
  local IFS=,
  IPFS_PATH="${repo}" ipfs config --json Bootstrap "[${addrs[*]}]" >>"$(h_dir "${h}")/logs/kubo-init.log" 2>&1
  IPFS_PATH="${repo}" ipfs config --json Peering.Peers "[${peering[*]}]" >>"$(h_dir "${h}")/logs/kubo-init.log" 2>&1
}

start_kubo() {
  local h=$1
  in_hospital "${h}"
  start_in "$(h_ns "${h}")" kubo env IPFS_PATH="$(h_dir "${h}")/ipfs" IPFS_TELEMETRY=off LIBP2P_FORCE_PNET=1 \
    "${BIN_DIR}/ipfs" daemon --migrate=false
}

# kubo_sees_others H : hospital H's node is connected to every other hospital's node.
kubo_sees_others() {
  local peers o
  peers=$(curl -s --max-time 2 -X POST "http://$(h_ip "$1"):${P_KUBO_API}/api/v0/swarm/peers") || return 1
  for o in "${HOSPITALS[@]}"; do
    [[ "${o}" == "$1" ]] && continue
    [[ "${peers}" == *"$(<"$(h_dir "${o}")/ipfs.peerid")"* ]] || return 1
  done
}

# -------------------------------------------------------------------- cloud
start_cloud() {
  local fs_bin sdk
  if [[ -n "${CARELEDGER_FIRESTORE_EMULATOR:-}" ]]; then fs_bin="${CARELEDGER_FIRESTORE_EMULATOR}"; else
    sdk="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null || true)"
    fs_bin="${sdk}/platform/cloud-firestore-emulator/cloud_firestore_emulator"
  fi
  [[ -x "${fs_bin}" ]] || die "Firestore emulator not found (${fs_bin})"
  [[ -f "${FIREBASE_CLI}" ]] || die "firebase-tools not found (${FIREBASE_CLI}): npm ci"
  in_cloud
  mkdir -p "${CLOUD}/auth/tmp" "${CLOUD}/auth/config"
  log "starting the Firestore emulator on ${CLOUD_IP}:${P_FIRESTORE} and the Auth emulator on ${CLOUD_IP}:${P_AUTH} (namespace $(cloud_ns))"
  start_in "$(cloud_ns)" firestore "${fs_bin}" --host="${CLOUD_IP}" --port="${P_FIRESTORE}"
  cat >"${CLOUD}/auth/firebase.json" <<EOF
{
  "emulators": {
    "auth": { "host": "${CLOUD_IP}", "port": ${P_AUTH} },
    "hub": { "host": "${CLOUD_IP}", "port": ${P_AUTH_HUB} },
    "logging": { "host": "${CLOUD_IP}", "port": ${P_AUTH_LOGGING} },
    "ui": { "enabled": false },
    "singleProjectMode": true
  }
}
EOF
  SERVICE_CWD="${CLOUD}/auth" start_in "$(cloud_ns)" auth env \
    TMPDIR="${CLOUD}/auth/tmp" XDG_CONFIG_HOME="${CLOUD}/auth/config" CI=true NO_UPDATE_NOTIFIER=1 \
    FIREBASE_AUTH_EMULATOR_HOST= FIRESTORE_EMULATOR_HOST= \
    "${NODE_BIN}" "${FIREBASE_CLI}" emulators:start --only auth --project "${C_PROJECT}" --non-interactive
}

# ------------------------------------------------------------------ gateway
# Hospital H's connection profile: its own org (peer0, its User1 and Admin identities),
# its own orderer, its own Kubo node, the cloud's emulators.
write_connection_profile() {
  local h=$1 domain user admin
  domain=$(h_domain "${h}")
  user="$(h_dir "${h}")/crypto/peerOrganizations/${domain}/users/User1@${domain}/msp"
  admin=$(h_admin_msp "${h}")
  NAME="$(h_name "${h}")" MSP="$(h_msp "${h}")" PEER="$(h_ip "${h}"):${P_PEER0}" ALIAS="peer0.${domain}" \
    PEER_CA="$(h_peer_ca "${h}")" CERT="$(ls "${user}"/signcerts/*.pem)" KEY="$(ls "${user}"/keystore/*)" \
    ADMIN_CERT="$(ls "${admin}"/signcerts/*.pem)" ADMIN_KEY="$(ls "${admin}"/keystore/*)" \
    ORDERER="$(h_orderer_endpoint "${h}")" ORDERER_CA="$(h_orderer_tls_ca "${h}")" \
    KUBO_API="http://$(h_ip "${h}"):${P_KUBO_API}" KUBO_GATEWAY="http://$(h_ip "${h}"):${P_KUBO_GATEWAY}" \
    FIRESTORE="${CLOUD_IP}:${P_FIRESTORE}" AUTH="${CLOUD_IP}:${P_AUTH}" PROJECT="${C_PROJECT}" \
    CHANNEL="${CHANNEL_NAME}" CHAINCODE="${CHAINCODE_NAME}" INFO="${SHARED}/chaincode.json" \
    "${NODE_BIN}" -e '
      const e = process.env;
      const profile = {
        channel: e.CHANNEL, chaincode: e.CHAINCODE, chaincodeInfo: e.INFO,
        organizations: { [e.MSP]: { name: e.NAME, mspId: e.MSP, peerEndpoint: e.PEER, peerHostAlias: e.ALIAS,
          tlsCaCertPath: e.PEER_CA, clientCertPath: e.CERT, clientKeyPath: e.KEY, adminCertPath: e.ADMIN_CERT, adminKeyPath: e.ADMIN_KEY } },
        orderer: { endpoint: e.ORDERER, tlsCaCertPath: e.ORDERER_CA },
        kubo: { apiUrl: e.KUBO_API, gatewayUrl: e.KUBO_GATEWAY },
        firestore: { emulatorHost: e.FIRESTORE, projectId: e.PROJECT },
        auth: { emulatorHost: e.AUTH, projectId: e.PROJECT },
      };
      process.stdout.write(JSON.stringify(profile, null, 2) + "\n");
    ' >"$(h_dir "${h}")/connection.json"
}

start_gateway() {
  local h=$1
  in_hospital "${h}"
  mkdir -p "$(h_dir "${h}")/gateway"
  SERVICE_CWD="${REPO_DIR}" start_in "$(h_ns "${h}")" gateway env \
    CARELEDGER_PROFILE=network CARELEDGER_ORG="$(h_name "${h}")" \
    CARELEDGER_NETWORK_CONNECTION="$(h_dir "${h}")/connection.json" \
    CARELEDGER_HOST="$(h_ip "${h}")" CARELEDGER_PORT="${P_GATEWAY}" \
    CARELEDGER_DATA_DIR="$(h_dir "${h}")/gateway" \
    CARELEDGER_AUTH_EMULATOR=true FIRESTORE_EMULATOR_HOST= FIREBASE_AUTH_EMULATOR_HOST= CARELEDGER_KUBO_SWARM_READS=true CARELEDGER_REPLICA_SWEEP_SECONDS=15 \
    CARELEDGER_ORPHAN_GRACE_SECONDS="${CARELEDGER_ORPHAN_GRACE_SECONDS:-15}" CARELEDGER_ORPHAN_SWEEP_SECONDS="${CARELEDGER_ORPHAN_SWEEP_SECONDS:-5}" \
    SCARF_ANALYTICS=false METADATA_SERVER_DETECTION=none \
    "${NODE_BIN}" "${REPO_DIR}/gateway/dist/main.js"
}

gateway_ready() { curl -sf --max-time 2 "http://$(h_ip "$1"):${P_GATEWAY}/ready" >/dev/null; }

# A gateway exits when a dependency does not answer its first call in time (the Firestore
# JVM's first requests on a loaded machine): start it again, three attempts in all.
gateway_up() {
  local h=$1 attempt deadline
  in_hospital "${h}"
  for attempt in 1 2 3; do
    pid_alive gateway || start_gateway "${h}"
    deadline=$(($(date +%s) + 120))
    while (($(date +%s) < deadline)); do
      gateway_ready "${h}" && return 0
      pid_alive gateway || break
      sleep 0.5
    done
    pid_alive gateway && return 1
    warn "the gateway of $(h_name "${h}") exited while starting (attempt ${attempt}): $(tail -1 "$(h_dir "${h}")/logs/gateway.log" | cut -c1-200)"
  done
  return 1
}


# ------------------------------------------------------------------ summary
write_summary() {
  local h first=1
  {
    printf '{\n  "channel": "%s",\n  "chaincode": "%s",\n  "namespacePrefix": "%s",\n  "bridge": { "name": "%s", "address": "%s" },\n' \
      "${CHANNEL_NAME}" "${CHAINCODE_NAME}" "${C_NS_PREFIX}" "${C_BRIDGE}" "${BRIDGE_IP}"
    printf '  "cloud": { "namespace": "%s", "address": "%s", "firestore": "%s:%s", "auth": "%s:%s", "projectId": "%s" },\n' \
      "$(cloud_ns)" "${CLOUD_IP}" "${CLOUD_IP}" "${P_FIRESTORE}" "${CLOUD_IP}" "${P_AUTH}" "${C_PROJECT}"
    printf '  "swarmKeyFingerprint": "%s",\n  "hospitals": [\n' "$(<"${SHARED}/swarm-key.fingerprint")"
    for h in "${HOSPITALS[@]}"; do
      ((first)) || printf ',\n'
      first=0
      local ip
      ip=$(h_ip "${h}")
      local omsp=null
      h_runs_orderer "${h}" && omsp="\"$(h_omsp "${h}")\""
      printf '    { "name": "%s", "mspId": "%s", "ordererMspId": %s, "namespace": "%s", "address": "%s", "dir": "%s",\n' \
        "$(h_name "${h}")" "$(h_msp "${h}")" "${omsp}" "$(h_ns "${h}")" "${ip}" "$(h_dir "${h}")"
      if h_runs_orderer "${h}"; then
        printf '      "orderer": "%s:%s", "ordererAdmin": "%s:%s", "ordererOperations": "http://%s:%s", "ordererTlsCa": "%s",\n' \
          "${ip}" "${P_ORDERER}" "${ip}" "${P_ORDERER_ADMIN}" "${ip}" "${P_ORDERER_OPS}" "$(h_orderer_ca "${h}")"
      else
        # An added hospital runs no orderer: the one its peers' CLI and its gateway use.
        printf '      "orderer": "%s", "ordererAdmin": null, "ordererOperations": null, "ordererTlsCa": "%s",\n' \
          "$(h_orderer_endpoint "${h}")" "$(h_orderer_tls_ca "${h}")"
      fi
      printf '      "peers": ["%s:%s", "%s:%s"], "peerOperations": ["http://%s:%s", "http://%s:%s"], "peerTlsCa": "%s",\n' \
        "${ip}" "${P_PEER0}" "${ip}" "${P_PEER1}" "${ip}" "${P_PEER0_OPS}" "${ip}" "${P_PEER1_OPS}" "$(h_peer_ca "${h}")"
      printf '      "kuboApi": "http://%s:%s", "kuboGateway": "http://%s:%s", "kuboSwarm": "/ip4/%s/tcp/%s/p2p/%s",\n' \
        "${ip}" "${P_KUBO_API}" "${ip}" "${P_KUBO_GATEWAY}" "${ip}" "${P_KUBO_SWARM}" "$(<"$(h_dir "${h}")/ipfs.peerid")"
      printf '      "chaincodeServer": "127.0.0.1:%s (inside %s)", "gateway": "http://%s:%s", "connectionProfile": "%s/connection.json" }' \
        "${P_CHAINCODE}" "$(h_ns "${h}")" "${ip}" "${P_GATEWAY}" "$(h_dir "${h}")"
    done
    printf '\n  ]\n}\n'
  } >"${C_DIR}/consortium.json"
}

print_endpoints() {
  local h ip
  echo
  log "CareLedger consortium is up: ${#HOSPITALS[@]} hospitals (state: ${C_DIR})"
  echo "  bridge               ${C_BRIDGE} ${BRIDGE_IP}/24 (root namespace)"
  echo "  cloud                namespace $(cloud_ns), ${CLOUD_IP}"
  echo "    firestore emulator FIRESTORE_EMULATOR_HOST=${CLOUD_IP}:${P_FIRESTORE}"
  echo "    firebase auth emul FIREBASE_AUTH_EMULATOR_HOST=${CLOUD_IP}:${P_AUTH} (project ${C_PROJECT}; tests and dev only)"
  for h in "${HOSPITALS[@]}"; do
    ip=$(h_ip "${h}")
    if h_runs_orderer "${h}"; then
      echo "  $(h_name "${h}")           namespace $(h_ns "${h}"), ${ip}, $(h_msp "${h}") (orderer org $(h_omsp "${h}"))"
      echo "    orderer            ${ip}:${P_ORDERER} (TLS)  admin ${ip}:${P_ORDERER_ADMIN}  operations http://${ip}:${P_ORDERER_OPS}/healthz"
    else
      echo "  $(h_name "${h}")           namespace $(h_ns "${h}"), ${ip}, $(h_msp "${h}") (added; no orderer of its own)"
      echo "    orders through     $(h_orderer_endpoint "${h}") (TLS; the channel config lists every orderer)"
    fi
    echo "    peer0 (anchor)     ${ip}:${P_PEER0} (TLS)  operations http://${ip}:${P_PEER0_OPS}/healthz"
    echo "    peer1              ${ip}:${P_PEER1} (TLS)  operations http://${ip}:${P_PEER1_OPS}/healthz"
    echo "    chaincode server   127.0.0.1:${P_CHAINCODE} inside the namespace"
    echo "    kubo               api http://${ip}:${P_KUBO_API}  gateway http://${ip}:${P_KUBO_GATEWAY}  swarm /ip4/${ip}/tcp/${P_KUBO_SWARM}/p2p/$(<"$(h_dir "${h}")/ipfs.peerid")"
    if [[ -f "$(h_dir "${h}")/pids/gateway.pid" ]]; then
      echo "    gateway            http://${ip}:${P_GATEWAY}  (connection profile $(h_dir "${h}")/connection.json)"
    fi
  done
  echo "  summary              ${C_DIR}/consortium.json"
}

# RSS (MiB) of every process in a namespace.
ns_rss_mib() {
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ',' | sed 's/,$//')
  [[ -n "${pids}" ]] || {
    echo 0
    return
  }
  ps -o rss= -p "${pids}" | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'
}

# ----------------------------------------------------------------------- up
cmd_up() {
  local started h n
  started=$(now)
  ((EUID == 0)) || die "the consortium topology needs root (ip netns, veth, bridge)"
  command -v ip >/dev/null || die "iproute2 (ip) is required"
  "${NETWORK_DIR}/install.sh" || die "network/install.sh failed"
  require_binaries
  [[ -f "${REPO_DIR}/gateway/dist/main.js" ]] || die "the gateway is not built: npm run build"
  if [[ -f "${C_DIR}/consortium.json" ]]; then
    # shellcheck disable=SC2207
    HOSPITALS=($("${NODE_BIN}" -p 'require(process.argv[1]).hospitals.map((h) => h.name.slice(9)).join(" ")' "${C_DIR}/consortium.json"))
    local all=1
    for h in "${HOSPITALS[@]}"; do for n in orderer peer0 peer1 kubo chaincode gateway; do
      in_hospital "${h}"
      [[ "${n}" == orderer ]] && ! h_runs_orderer "${h}" && continue
      pid_alive "${n}" || all=0
    done; done
    if ((all)); then
      log "consortium already running"
      print_endpoints
      return 0
    fi
  fi
  if [[ -d "${C_DIR}" ]]; then
    warn "found a partial consortium in ${C_DIR}: tearing it down first"
    cmd_down
  fi
  set_hospitals "${C_HOSPITALS}"
  mkdir -p "${C_DIR}" "${SHARED}/config/peer" "${SHARED}/config/orderer" "${CLOUD}"
  for h in "${HOSPITALS[@]}"; do mkdir -p "$(h_dir "${h}")/logs" "$(h_dir "${h}")/pids"; done
  trap 'rc=$?; ((rc == 0)) || warn "consortium up failed: what started keeps running for inspection (logs under ${C_DIR}/*/logs); network/consortium.sh down stops it"' EXIT

  namespaces_up
  start_cloud

  log "generating crypto material and the genesis block for ${#HOSPITALS[@]} hospitals"
  make_crypto "${HOSPITALS[@]}"
  gen_configtx "${HOSPITALS[@]}" >"${SHARED}/configtx.yaml"
  configtxgen -configPath "${SHARED}" -profile CareLedgerConsortium -channelID "${CHANNEL_NAME}" \
    -outputBlock "${SHARED}/${CHANNEL_NAME}.block" >"${SHARED}/configtxgen.log" 2>&1 || die "configtxgen failed (see ${SHARED}/configtxgen.log)"
  cp "${BIN_DIR}/sampleconfig/orderer.yaml" "${SHARED}/config/orderer/orderer.yaml"
  cp "${BIN_DIR}/sampleconfig/core.yaml" "${SHARED}/config/peer/core.yaml"
  sed -i 's|^\(    endpoint:\) unix:///var/run/docker.sock$|\1 ""|' "${SHARED}/config/peer/core.yaml"
  grep -q '^    endpoint: ""$' "${SHARED}/config/peer/core.yaml" || die "could not set vm.endpoint in core.yaml"

  log "generating the swarm key and initialising one Kubo node per hospital"
  printf '/key/swarm/psk/1.0.0/\n/base16/\n%s\n' "$("${NODE_BIN}" -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))')" >"${C_DIR}/.swarm.key"
  chmod 600 "${C_DIR}/.swarm.key"
  for h in "${HOSPITALS[@]}"; do init_kubo "${h}"; done
  for h in "${HOSPITALS[@]}"; do configure_kubo_peers "${h}"; done
  # The key is only in the hospitals' repos from here on.
  sha256sum "${C_DIR}/.swarm.key" | cut -c1-16 >"${SHARED}/swarm-key.fingerprint"
  rm -f "${C_DIR}/.swarm.key"

  for h in "${HOSPITALS[@]}"; do
    log "starting $(h_name "${h}") in $(h_ns "${h}") ($(h_ip "${h}")): orderer, peer0, peer1, kubo"
    start_orderer "${h}"
    start_peer "${h}" 0
    start_peer "${h}" 1
    start_kubo "${h}"
  done

  for h in "${HOSPITALS[@]}"; do
    HEALTH_BODY=""
    retry_for 60 0.2 healthy_at "$(h_ip "${h}"):${P_ORDERER_OPS}" || die "orderer of $(h_name "${h}") not healthy: ${HEALTH_BODY}"
    retry_for 30 0.5 orderer_joined "${h}" || die "osnadmin join failed for $(h_name "${h}") (see $(h_dir "${h}")/logs/osnadmin.log)"
  done
  log "the ${#HOSPITALS[@]} orderers joined the channel; waiting for a Raft leader"
  retry_for 60 0.2 raft_leader || die "no Raft leader within 60s (see ${C_DIR}/*/logs/orderer.log)"
  for h in "${HOSPITALS[@]}"; do
    for n in 0 1; do
      local ops
      ops=$( ((n == 0)) && echo "${P_PEER0_OPS}" || echo "${P_PEER1_OPS}")
      retry_for 60 0.2 healthy_at "$(h_ip "${h}"):${ops}" || die "peer${n} of $(h_name "${h}") not healthy: ${HEALTH_BODY}"
      retry_for 60 0.5 peer_joined "${h}" "${n}" || die "peer${n} of $(h_name "${h}") could not join (see $(h_dir "${h}")/logs/peer-cli.log)"
    done
  done
  log "waiting for gossip membership across the hospitals"
  local gossip_started
  gossip_started=$(now)
  for h in "${HOSPITALS[@]}"; do
    retry_for 90 0.2 sees_everyone "${h}" || die "peer0 of $(h_name "${h}") does not see every other hospital (see its peer0.log)"
  done
  log "every hospital's anchor peer sees the others ($(elapsed "${gossip_started}")s)"

  deploy_chaincode

  log "waiting for the private swarm (each Kubo node connected to the others)"
  for h in "${HOSPITALS[@]}"; do
    retry_for 60 0.5 kubo_sees_others "${h}" ||
      die "the Kubo node of $(h_name "${h}") did not connect to the others (see $(h_dir "${h}")/logs/kubo.log)"
  done
  retry_for 90 0.5 tcp_open "${CLOUD_IP}" "${P_FIRESTORE}" || die "the Firestore emulator did not start (see ${CLOUD}/logs/firestore.log)"
  retry_for 90 0.5 tcp_open "${CLOUD_IP}" "${P_AUTH}" || die "the Auth emulator did not start (see ${CLOUD}/logs/auth.log)"

  for h in "${HOSPITALS[@]}"; do
    write_connection_profile "${h}"
    gateway_up "${h}" || die "the gateway of $(h_name "${h}") is not ready (see $(h_dir "${h}")/logs/gateway.log)"
  done
  write_summary
  log "consortium up in $(elapsed "${started}")s"
  print_endpoints
}

# --------------------------------------------------------------------- down
cmd_down() {
  local keep=${KEEP_STATE:-0} started d ns pid
  started=$(now)
  if [[ ! -d "${C_DIR}" ]]; then
    log "the consortium is not running (no ${C_DIR})"
    return 0
  fi
  # Every recorded process group, all at once.
  local -a names=()
  for d in "${C_DIR}"/*/pids; do
    [[ -d "${d}" ]] || continue
    PID_DIR="${d}"
    names=()
    for f in "${d}"/*.pid; do [[ -e "${f}" ]] && names+=("$(basename "${f}" .pid)"); done
    ((${#names[@]})) && stop_services "${names[@]}" &
  done
  wait
  # Whatever still runs in the namespaces this script created was started in them by it.
  if [[ -f "${C_DIR}/links" ]]; then
    while read -r kind ns; do
      [[ "${kind}" == netns ]] || continue
      for pid in $(ip netns pids "${ns}" 2>/dev/null); do
        warn "killing pid ${pid} left in ${ns}"
        kill -KILL "${pid}" 2>/dev/null || true
      done
    done <"${C_DIR}/links"
  fi
  namespaces_down
  if ((keep)); then
    log "keeping ${C_DIR} (logs and ledgers) as asked"
    rm -rf "${C_DIR}"/*/pids "${C_DIR}/consortium.json"
  else
    rm -rf "${C_DIR}"
  fi
  log "consortium stopped, namespaces and bridge removed ($(elapsed "${started}")s)"
}

cmd_status() {
  load_hospitals
  print_endpoints
  echo
  local h
  for h in "${HOSPITALS[@]}"; do echo "  RSS $(h_name "${h}"): $(ns_rss_mib "$(h_ns "${h}")") MiB"; done
  echo "  RSS cloud: $(ns_rss_mib "$(cloud_ns)") MiB"
}

# stop|start HOSPITAL SERVICE: one service of a running consortium (fault drills, operators).
# SERVICE: orderer, peer0, peer1, kubo, chaincode is not restartable here (deploy restarts it), gateway.
load_hospitals() {
  [[ -f "${C_DIR}/consortium.json" ]] || die "the consortium is not up"
  # shellcheck disable=SC2207
  HOSPITALS=($("${NODE_BIN}" -p 'require(process.argv[1]).hospitals.map((h) => h.name.slice(9)).join(" ")' "${C_DIR}/consortium.json"))
}
cmd_service() {
  local action=$1 h=${2#hospital-} service=${3:-}
  load_hospitals
  [[ " ${HOSPITALS[*]} " == *" ${h} "* ]] || die "no hospital ${2:-} in the consortium"
  in_hospital "${h}"
  case "${action}:${service}" in
    stop:orderer | stop:peer0 | stop:peer1 | stop:kubo | stop:gateway | stop:chaincode) stop_services "${service}" ;;
    start:orderer)
      h_runs_orderer "${h}" || die "$(h_name "${h}") runs no orderer"
      pid_alive orderer || start_orderer "${h}"
      ;;
    start:peer0 | start:peer1) pid_alive "${service}" || start_peer "${h}" "${service#peer}" ;;
    start:kubo) pid_alive kubo || start_kubo "${h}" ;;
    start:gateway) gateway_up "${h}" || die "the gateway of $(h_name "${h}") is not ready" ;;
    *) die "usage: network/consortium.sh stop|start HOSPITAL orderer|peer0|peer1|kubo|gateway (stop also: chaincode)" ;;
  esac
}

# network/add-hospital.sh sources this file for its functions.
[[ "${BASH_SOURCE[0]}" == "$0" ]] || return 0

cmd=${1:-}
shift || true
KEEP_STATE=0
if [[ "${cmd}" == start || "${cmd}" == stop ]]; then
  cmd_service "${cmd}" "$@"
  exit 0
fi
while (($#)); do
  case "$1" in
    --hospitals) C_HOSPITALS=$2 && shift 2 ;;
    --hospitals=*) C_HOSPITALS=${1#*=} && shift ;;
    --keep-state) KEEP_STATE=1 && shift ;;
    *) die "unknown argument: $1" ;;
  esac
done
case "${cmd}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) die "usage: network/consortium.sh up [--hospitals N] | down [--keep-state] | status" ;;
esac
