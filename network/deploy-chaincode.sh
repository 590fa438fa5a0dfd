#!/usr/bin/env bash
# Deploys the CareLedger chaincode as a service (ccaas) on the running network:
#   1. builds the chaincode (npx tsc -b chaincode) unless told not to
#   2. packages a ccaas package by hand (metadata.json + code.tar.gz holding
#      connection.json) and installs it on both peers
#   3. (re)starts ONE chaincode server process (fabric-chaincode-node server)
#      that both peers dial, with a clean environment
#   4. approves the definition for both hospitals and commits it, with the
#      collection config and the endorsement policy below, when the definition
#      changed (a new sequence) or was never committed
#   5. records the code's own hash in network/.state/chaincode.json (the
#      package id only covers connection.json, not the code)
#
# Run it again after changing the chaincode: the server restarts on the new
# code; the definition is only re-committed when version, collections or
# policy changed.
#
# Environment:
#   CARELEDGER_CHAINCODE_DIR          chaincode package dir (default: chaincode/)
#   CARELEDGER_CHAINCODE_BUILD=0      do not run tsc before deploying
#   CARELEDGER_COLLECTIONS_CONFIG     collection config (default: generated
#                                     from the org list into
#                                     network/.state/collections_config.json)
#   CARELEDGER_CHAINCODE_PORT         chaincode server port (default 9999)
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

CHAINCODE_DIR="$(cd "${CARELEDGER_CHAINCODE_DIR:-${REPO_DIR}/chaincode}" && pwd)"
COLLECTIONS_CONFIG="${CARELEDGER_COLLECTIONS_CONFIG:-}"
BUILD="${CARELEDGER_CHAINCODE_BUILD:-1}"
CC_STATE="${STATE_DIR}/chaincode"
CC_ADDRESS="127.0.0.1:${CHAINCODE_PORT}"
PATH="${BIN_DIR}:${PATH}"

require_binaries
if ! [[ -f "${STATE_DIR}/config/peer/core.yaml" ]] || ! pid_alive peer-a || ! pid_alive peer-b || ! pid_alive orderer; then
  die "the network is not running: run network/up.sh first"
fi
[[ -f "${CHAINCODE_DIR}/package.json" ]] || die "no package.json in ${CHAINCODE_DIR}"
STARTED=$(now)

json_field() { "${NODE_BIN}" -e 'const v = require(process.argv[1])[process.argv[2]]; if (v !== undefined) console.log(v)' "$1" "$2"; }

# ------------------------------------------------------------------- build
if [[ "${BUILD}" != 0 && "${CHAINCODE_DIR}" == "${REPO_DIR}/chaincode" ]]; then
  log "building the chaincode (tsc -b chaincode)"
  (cd "${REPO_DIR}" && PATH="${REPO_DIR}/node_modules/.bin:${PATH}" tsc -b chaincode) ||
    die "the chaincode does not compile (npx tsc -b chaincode)"
fi
MAIN="$(json_field "${CHAINCODE_DIR}/package.json" main)"
MAIN="${MAIN:-index.js}"
VERSION="$(json_field "${CHAINCODE_DIR}/package.json" version)"
VERSION="${VERSION:-0.0.0}"
[[ -f "${CHAINCODE_DIR}/${MAIN}" ]] || die "the chaincode main ${CHAINCODE_DIR}/${MAIN} does not exist (build it first)"

# The code the server runs: every file beside the main, plus package.json.
# Source maps and tsc's build info do not change behaviour.
CODE_HASH="$(
  cd "${CHAINCODE_DIR}" &&
    { echo package.json; find "$(dirname "${MAIN}")" -type f ! -name '*.map' ! -name '*.tsbuildinfo' ! -path '*/node_modules/*'; } |
    LC_ALL=C sort | while read -r f; do sha256sum "${f}"; done | sha256sum | cut -d' ' -f1
)"

# ----------------------------------------------------------------- package
# Fabric 2.5.0's CLI cannot package ccaas (`--lang ccaas` came later), so the
# package is built by hand. tar/gzip are made deterministic so that the same
# connection.json always gives the same package id.
log "packaging '${CHAINCODE_LABEL}' as a service at ${CC_ADDRESS}"
rm -rf "${CC_STATE}/pkg"
mkdir -p "${CC_STATE}/pkg/code"
cat >"${CC_STATE}/pkg/code/connection.json" <<EOF
{
  "address": "${CC_ADDRESS}",
  "dial_timeout": "10s",
  "tls_required": false
}
EOF
cat >"${CC_STATE}/pkg/metadata.json" <<EOF
{"type":"ccaas","label":"${CHAINCODE_LABEL}"}
EOF
TAR_OPTS=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
tar -C "${CC_STATE}/pkg/code" "${TAR_OPTS[@]}" -cf - connection.json | gzip -n >"${CC_STATE}/pkg/code.tar.gz"
PACKAGE="${CC_STATE}/${CHAINCODE_LABEL}.tar.gz"
tar -C "${CC_STATE}/pkg" "${TAR_OPTS[@]}" -cf - metadata.json code.tar.gz | gzip -n >"${PACKAGE}"

use_org a
PACKAGE_ID="$(peer lifecycle chaincode calculatepackageid "${PACKAGE}")"
log "package id ${PACKAGE_ID}"

for org in a b; do
  use_org "${org}"
  if peer lifecycle chaincode queryinstalled -O json 2>/dev/null | grep -qF "\"${PACKAGE_ID}\""; then
    log "already installed on peer-${org}"
  else
    log "installing on peer-${org}"
    peer lifecycle chaincode install "${PACKAGE}" >>"${LOG_DIR}/peer-cli.log" 2>&1 ||
      die "install on peer-${org} failed (see ${LOG_DIR}/peer-cli.log)"
  fi
done

# ---------------------------------------------------------- chaincode server
# Every CORE_* variable in the server's environment is read by the shim as an
# option, so it starts with a clean one (env -i).
SHIM_CLI="${CHAINCODE_DIR}/node_modules/.bin/fabric-chaincode-node"
[[ -x "${SHIM_CLI}" ]] || SHIM_CLI="${REPO_DIR}/node_modules/.bin/fabric-chaincode-node"
[[ -x "${SHIM_CLI}" ]] || die "fabric-chaincode-node not found (npm ci in ${REPO_DIR})"
if pid_alive chaincode; then
  log "restarting the chaincode server"
fi
stop_service chaincode
wait_for_port_free "${CHAINCODE_PORT}" 10 || die "port ${CHAINCODE_PORT} is still in use"
log "starting the chaincode server on ${CC_ADDRESS} (${CHAINCODE_DIR}/${MAIN})"
SERVICE_CWD="${CHAINCODE_DIR}" start_service chaincode env -i \
  PATH="$(dirname "${NODE_BIN}"):/usr/local/bin:/usr/bin:/bin" \
  HOME="${HOME}" \
  "${SHIM_CLI}" server \
  --chaincode-address="${CC_ADDRESS}" \
  --chaincode-id="${PACKAGE_ID}" \
  --module-path="${CHAINCODE_DIR}"
chaincode_listening() {
  port_open "${CHAINCODE_PORT}" && return 0
  pid_alive chaincode || die "the chaincode server exited (see ${LOG_DIR}/chaincode.log)"
  return 1
}
retry_for 30 0.1 chaincode_listening || die "the chaincode server did not listen on ${CC_ADDRESS} (see ${LOG_DIR}/chaincode.log)"

# --------------------------------------------------------------- definition
COLLECTION_ARGS=()
COLLECTIONS_HASH="none"
if [[ -z "${COLLECTIONS_CONFIG}" ]]; then
  COLLECTIONS_CONFIG="${STATE_DIR}/collections_config.json"
  write_collections_config "${COLLECTIONS_CONFIG}" || die "could not write the collection config"
fi
if [[ -f "${COLLECTIONS_CONFIG}" ]]; then
  COLLECTIONS_CONFIG="$(cd "$(dirname "${COLLECTIONS_CONFIG}")" && pwd)/$(basename "${COLLECTIONS_CONFIG}")"
  COLLECTION_ARGS=(--collections-config "${COLLECTIONS_CONFIG}")
  COLLECTIONS_HASH="$(sha256sum "${COLLECTIONS_CONFIG}" | cut -d' ' -f1)"
else
  warn "no collection config at ${COLLECTIONS_CONFIG}: committing without explicit collections (implicit org collections only)"
  COLLECTIONS_CONFIG=""
fi
DEFINITION_HASH="$(printf '%s\n' "${PACKAGE_ID}" "${VERSION}" "${CHAINCODE_POLICY}" "${COLLECTIONS_HASH}" | sha256sum | cut -d' ' -f1)"

use_org a
COMMITTED_JSON="$(peer lifecycle chaincode querycommitted -C "${CHANNEL_NAME}" -n "${CHAINCODE_NAME}" -O json 2>/dev/null || true)"
SEQUENCE=0
if [[ -n "${COMMITTED_JSON}" ]]; then
  SEQUENCE="$(printf '%s' "${COMMITTED_JSON}" | "${NODE_BIN}" -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).sequence ?? 0)')"
fi
PREVIOUS_DEFINITION=""
if [[ -f "${STATE_DIR}/chaincode.json" ]]; then
  PREVIOUS_DEFINITION="$(json_field "${STATE_DIR}/chaincode.json" definitionHash || true)"
fi

ORDERER_ARGS=(-o "localhost:${ORDERER_PORT}" --tls --cafile "${ORDERER_CA_FILE}")
if ((SEQUENCE > 0)) && [[ "${PREVIOUS_DEFINITION}" == "${DEFINITION_HASH}" ]]; then
  log "definition unchanged (sequence ${SEQUENCE}): nothing to approve or commit"
else
  SEQUENCE=$((SEQUENCE + 1))
  for org in a b; do
    use_org "${org}"
    log "approving ${CHAINCODE_NAME} v${VERSION} sequence ${SEQUENCE} for ${CORE_PEER_LOCALMSPID}"
    peer lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" \
      --channelID "${CHANNEL_NAME}" --name "${CHAINCODE_NAME}" --version "${VERSION}" \
      --package-id "${PACKAGE_ID}" --sequence "${SEQUENCE}" \
      --signature-policy "${CHAINCODE_POLICY}" "${COLLECTION_ARGS[@]}" \
      >>"${LOG_DIR}/peer-cli.log" 2>&1 || die "approval by ${CORE_PEER_LOCALMSPID} failed (see ${LOG_DIR}/peer-cli.log)"
  done
  use_org a
  log "committing ${CHAINCODE_NAME} sequence ${SEQUENCE} on '${CHANNEL_NAME}'"
  peer lifecycle chaincode commit "${ORDERER_ARGS[@]}" \
    --channelID "${CHANNEL_NAME}" --name "${CHAINCODE_NAME}" --version "${VERSION}" \
    --sequence "${SEQUENCE}" --signature-policy "${CHAINCODE_POLICY}" "${COLLECTION_ARGS[@]}" \
    --peerAddresses "localhost:${PEER_A_PORT}" --tlsRootCertFiles "$(peer_tls_ca a)" \
    --peerAddresses "localhost:${PEER_B_PORT}" --tlsRootCertFiles "$(peer_tls_ca b)" \
    >>"${LOG_DIR}/peer-cli.log" 2>&1 || die "commit failed (see ${LOG_DIR}/peer-cli.log)"
fi

# ------------------------------------------------------------ smoke check
# Every contract chaincode answers GetMetadata: proves both peers reach the
# server through the external builder's connection.json.
answers_metadata() {
  (use_org "$1" && peer chaincode query -C "${CHANNEL_NAME}" -n "${CHAINCODE_NAME}" \
    -c '{"Args":["org.hyperledger.fabric:GetMetadata"]}') >/dev/null 2>>"${LOG_DIR}/peer-cli.log"
}
for org in a b; do
  retry_for 10 0.5 answers_metadata "${org}" ||
    die "peer-${org} cannot reach the chaincode (see ${LOG_DIR}/peer-${org}.log and chaincode.log)"
done

# ------------------------------------------------------------------ record
PACKAGE_ID="${PACKAGE_ID}" VERSION="${VERSION}" SEQUENCE="${SEQUENCE}" CODE_HASH="${CODE_HASH}" \
  DEFINITION_HASH="${DEFINITION_HASH}" COLLECTIONS_CONFIG="${COLLECTIONS_CONFIG}" \
  COLLECTIONS_HASH="${COLLECTIONS_HASH}" CC_ADDRESS="${CC_ADDRESS}" CHAINCODE_DIR="${CHAINCODE_DIR}" \
  MAIN="${MAIN}" NAME="${CHAINCODE_NAME}" LABEL="${CHAINCODE_LABEL}" CHANNEL="${CHANNEL_NAME}" \
  POLICY="${CHAINCODE_POLICY}" PID="$(<"${PID_DIR}/chaincode.pid")" \
  "${NODE_BIN}" -e '
    const e = process.env;
    const info = {
      name: e.NAME, channel: e.CHANNEL, label: e.LABEL, version: e.VERSION,
      sequence: Number(e.SEQUENCE), packageId: e.PACKAGE_ID, address: e.CC_ADDRESS,
      endorsementPolicy: e.POLICY,
      collectionsConfig: e.COLLECTIONS_CONFIG || null, collectionsConfigSha256: e.COLLECTIONS_HASH,
      codeDir: e.CHAINCODE_DIR, main: e.MAIN,
      codeHash: e.CODE_HASH, codeHashAlgorithm: "sha256 of sha256sum over package.json and the files beside main (no maps)",
      definitionHash: e.DEFINITION_HASH, serverPid: Number(e.PID), deployedAt: new Date().toISOString(),
    };
    process.stdout.write(JSON.stringify(info, null, 2) + "\n");
  ' >"${STATE_DIR}/chaincode.json"

log "chaincode ${CHAINCODE_NAME} v${VERSION} (sequence ${SEQUENCE}, code sha256 ${CODE_HASH:0:12}…) deployed in $(elapsed "${STARTED}")s"
