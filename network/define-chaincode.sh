#!/usr/bin/env bash
# Defines the deployed chaincode package once more under another NAME on the
# running channel: a fresh, empty namespace (world state, private data,
# implicit collections, events) served by the same chaincode server, with the
# same endorsement policy and collection config as network/deploy-chaincode.sh
# committed. The integration tests give every gateway harness its own
# namespace so that their fixed user ids (pat-1, doc-a, hospital-a-admin) never
# meet on the shared ledger. A definition cannot be removed from a channel;
# `network:down` discards them with the rest of the ledger.
#
# usage: network/define-chaincode.sh NAME      (letters, digits, '-', '_')
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

NAME="${1:-}"
[[ "${NAME}" =~ ^[A-Za-z0-9]+([-_][A-Za-z0-9]+)*$ ]] || die "usage: $0 NAME (letters and digits, '-' or '_' between them)"
[[ "${NAME}" != "${CHAINCODE_NAME}" ]] || die "${NAME} is the deployed chaincode itself: use network/deploy-chaincode.sh"
INFO="${STATE_DIR}/chaincode.json"
[[ -f "${INFO}" ]] || die "no deployed chaincode (${INFO}): run network/up.sh first"
pid_alive peer-a && pid_alive peer-b && pid_alive orderer || die "the network is not running: run network/up.sh first"
PATH="${BIN_DIR}:${PATH}"

field() { "${NODE_BIN}" -e 'const v = require(process.argv[1])[process.argv[2]]; if (v !== undefined && v !== null) console.log(v)' "${INFO}" "$1"; }
PACKAGE_ID="$(field packageId)"
VERSION="$(field version)"
POLICY="$(field endorsementPolicy)"
COLLECTIONS="$(field collectionsConfig)"
COLLECTION_ARGS=()
[[ -n "${COLLECTIONS}" ]] && COLLECTION_ARGS=(--collections-config "${COLLECTIONS}")
ORDERER_ARGS=(-o "localhost:${ORDERER_PORT}" --tls --cafile "${ORDERER_CA_FILE}")
CLI_LOG="${LOG_DIR}/define-chaincode.log"

# Both approvals at once: each org writes its own implicit collection of _lifecycle.
pids=()
for org in a b; do
  (
    use_org "${org}"
    peer lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" \
      --channelID "${CHANNEL_NAME}" --name "${NAME}" --version "${VERSION}" \
      --package-id "${PACKAGE_ID}" --sequence 1 \
      --signature-policy "${POLICY}" "${COLLECTION_ARGS[@]}" >>"${CLI_LOG}" 2>&1
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "${pid}" || die "approving ${NAME} failed (see ${CLI_LOG})"; done

use_org a
peer lifecycle chaincode commit "${ORDERER_ARGS[@]}" \
  --channelID "${CHANNEL_NAME}" --name "${NAME}" --version "${VERSION}" \
  --sequence 1 --signature-policy "${POLICY}" "${COLLECTION_ARGS[@]}" \
  --peerAddresses "localhost:${PEER_A_PORT}" --tlsRootCertFiles "$(peer_tls_ca a)" \
  --peerAddresses "localhost:${PEER_B_PORT}" --tlsRootCertFiles "$(peer_tls_ca b)" \
  >>"${CLI_LOG}" 2>&1 || die "committing ${NAME} failed (see ${CLI_LOG})"
