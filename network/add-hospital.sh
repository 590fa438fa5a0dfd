#!/usr/bin/env bash
# Adds a hospital to a RUNNING consortium (network/consortium.sh up, or
# `npm run network:up -- --topology consortium`). `network:down -- --topology consortium` removes it
# with the others.
#
# usage: network/add-hospital.sh NAME        (NAME: the next letter, e.g. d or hospital-d)
#
# Steps (each reuses the functions consortium.sh brings the consortium up with, over the new
# hospital list; nothing is written per hospital by hand):
#   1. its namespace and veth on the bridge, its crypto material (a peer org with two peers, an
#      admin and a user; no orderer: the new hospital orders through the consortium's orderers,
#      which the channel config lists; adding a Raft consenter is a separate step not done here);
#   2. a channel config update adding its org to the Application group: computed from the
#      current config block, signed by the admins of a majority of the existing orgs, submitted;
#   3. its peers started and joined (block 0 fetched from the ordering service by its own admin),
#      then its anchor peer set by a second config update that only its own admin signs;
#   4. a new chaincode definition (next sequence): endorsement policy and collection config
#      generated for the new org list, approved by every org (an org that did not approve the
#      current sequence cannot run the chaincode on its peers) and committed with the
#      endorsement of a majority; the package installed on its peers, its chaincode server started;
#   5. its Kubo node in the private swarm (the consortium's swarm key, copied from a member's
#      repo; bootstrap and peering = the others, and the others peer with it);
#   6. its gateway (network profile), which registers the org on the ledger on its first start
#      (registry RegisterOrg, as every gateway does at up).
# Needs root. Prints the time each step took.
set -euo pipefail

# shellcheck source=consortium.sh
source "$(dirname "${BASH_SOURCE[0]}")/consortium.sh"

NEW=${1:-}
NEW=${NEW#hospital-}
[[ "${NEW}" =~ ^[a-z]$ ]] || die "usage: network/add-hospital.sh NAME (a letter, e.g. d or hospital-d)"
((EUID == 0)) || die "adding a hospital needs root (ip netns, veth)"
require_binaries
[[ -x "${BIN_DIR}/configtxlator" ]] || die "missing ${BIN_DIR}/configtxlator: run network/install.sh"
load_hospitals
EXISTING=("${HOSPITALS[@]}")
[[ " ${EXISTING[*]} " == *" ${NEW} "* ]] && die "$(h_name "${NEW}") is already in the consortium"
[[ -e "$(h_dir "${NEW}")" ]] && die "$(h_dir "${NEW}") exists: a failed earlier attempt? (network/consortium.sh down removes everything)"
[[ -f "${SHARED}/chaincode.json" ]] || die "no ${SHARED}/chaincode.json: is the consortium fully up?"
HOSPITALS=("${EXISTING[@]}" "${NEW}")
NEW_MSP=$(h_msp "${NEW}")
WORK="${SHARED}/add-$(h_name "${NEW}")"
ADD_STARTED=$(now)
STEP_STARTED=$(now)
step_done() {
  log "$1 ($(elapsed "${STEP_STARTED}")s)"
  STEP_STARTED=$(now)
}
trap 'rc=$?; ((rc == 0)) || warn "adding $(h_name "${NEW}") failed: what started keeps running (logs under $(h_dir "${NEW}")/logs); network/consortium.sh down stops everything"' EXIT

# A majority of the existing orgs (their Admins policy is MAJORITY Admins).
MAJORITY=$((${#EXISTING[@]} / 2 + 1))
SIGNERS=("${EXISTING[@]:0:${MAJORITY}}")

# ------------------------------------------------------------- 1. host, crypto
log "adding $(h_name "${NEW}") (${NEW_MSP}) at $(h_ip "${NEW}") in $(h_ns "${NEW}") to a consortium of ${#EXISTING[@]}"
mkdir -p "$(h_dir "${NEW}")/logs" "$(h_dir "${NEW}")/pids" "${WORK}"
touch "$(h_dir "${NEW}")/no-orderer"
make_namespace "$(h_ns "${NEW}")" "$(h_ip "${NEW}")" "h${NEW}"
make_crypto "${NEW}"
# configtx.yaml for the whole new list; configtxgen prints the new org's definition from it.
gen_configtx "${HOSPITALS[@]}" >"${SHARED}/configtx.yaml"
configtxgen -configPath "${SHARED}" -printOrg "${NEW_MSP}" >"${WORK}/org.json" 2>>"${WORK}/configtxgen.log" ||
  die "configtxgen -printOrg ${NEW_MSP} failed (see ${WORK}/configtxgen.log)"
step_done "namespace and crypto material"

# ------------------------------------------------------ config update helpers
ctl() { configtxlator "$@" >>"${WORK}/configtxlator.log" 2>&1 || die "configtxlator $1 failed (see ${WORK}/configtxlator.log)"; }

# fetch_config H OUT_JSON : the channel's current config, fetched by H's admin from its orderer.
fetch_config() {
  local h=$1 out=$2
  (as_admin "${h}" && peer channel fetch config "${WORK}/config_block.pb" -o "$(h_orderer_endpoint "${h}")" \
    -c "${CHANNEL_NAME}" --tls --cafile "$(h_orderer_tls_ca "${h}")") >>"$(h_dir "${h}")/logs/peer-cli.log" 2>&1 ||
    die "fetching the channel config as $(h_msp "${h}") failed (see $(h_dir "${h}")/logs/peer-cli.log)"
  ctl proto_decode --input "${WORK}/config_block.pb" --type common.Block --output "${WORK}/config_block.json"
  "${NODE_BIN}" -e '
    const fs = require("node:fs");
    const block = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    fs.writeFileSync(process.argv[2], JSON.stringify(block.data.data[0].payload.data.config));
  ' "${WORK}/config_block.json" "${out}"
}

# make_update ORIGINAL_JSON MODIFIED_JSON OUT_PB : the config update envelope from one config to the other.
make_update() {
  local original=$1 modified=$2 out=$3
  ctl proto_encode --input "${original}" --type common.Config --output "${WORK}/original.pb"
  ctl proto_encode --input "${modified}" --type common.Config --output "${WORK}/modified.pb"
  ctl compute_update --channel_id "${CHANNEL_NAME}" --original "${WORK}/original.pb" --updated "${WORK}/modified.pb" --output "${WORK}/update.pb"
  ctl proto_decode --input "${WORK}/update.pb" --type common.ConfigUpdate --output "${WORK}/update.json"
  CHANNEL="${CHANNEL_NAME}" "${NODE_BIN}" -e '
    const fs = require("node:fs");
    const update = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const envelope = { payload: { header: { channel_header: { channel_id: process.env.CHANNEL, type: 2 } }, data: { config_update: update } } };
    fs.writeFileSync(process.argv[2], JSON.stringify(envelope));
  ' "${WORK}/update.json" "${WORK}/envelope.json"
  ctl proto_encode --input "${WORK}/envelope.json" --type common.Envelope --output "${out}"
}

# ------------------------------------------- 2. channel config update (majority)
fetch_config "${EXISTING[0]}" "${WORK}/config.json"
# The org as configtxgen defines it, without its anchor peer (its own admin sets that once its
# peers run, step 3).
"${NODE_BIN}" -e '
  const fs = require("node:fs");
  const [configFile, orgFile, msp, out] = process.argv.slice(1);
  const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
  const org = JSON.parse(fs.readFileSync(orgFile, "utf8"));
  delete org.values.AnchorPeers;
  const app = config.channel_group.groups.Application.groups;
  if (app[msp]) throw new Error(`${msp} is already in the channel`);
  app[msp] = org;
  fs.writeFileSync(out, JSON.stringify(config));
' "${WORK}/config.json" "${WORK}/org.json" "${NEW_MSP}" "${WORK}/config_with_org.json"
make_update "${WORK}/config.json" "${WORK}/config_with_org.json" "${WORK}/add_org.pb"
# The last signer's signature is added by `peer channel update` itself.
for h in "${SIGNERS[@]:0:$((MAJORITY - 1))}"; do
  (as_admin "${h}" && peer channel signconfigtx -f "${WORK}/add_org.pb") >>"$(h_dir "${h}")/logs/peer-cli.log" 2>&1 ||
    die "$(h_msp "${h}") could not sign the config update (see $(h_dir "${h}")/logs/peer-cli.log)"
done
SUBMITTER=${SIGNERS[$((MAJORITY - 1))]}
(as_admin "${SUBMITTER}" && peer channel update -f "${WORK}/add_org.pb" -c "${CHANNEL_NAME}" -o "$(h_orderer_endpoint "${SUBMITTER}")" \
  --tls --cafile "$(h_orderer_tls_ca "${SUBMITTER}")") >>"$(h_dir "${SUBMITTER}")/logs/peer-cli.log" 2>&1 ||
  die "the config update adding ${NEW_MSP} was refused (see $(h_dir "${SUBMITTER}")/logs/peer-cli.log)"
signed_by=$(for h in "${SIGNERS[@]}"; do printf '%s ' "$(h_msp "${h}")"; done)
step_done "channel config update adding ${NEW_MSP}, signed by ${signed_by% } (${MAJORITY} of ${#EXISTING[@]})"

# ----------------------------------------------- 3. peers: start, join, anchor
start_peer "${NEW}" 0
start_peer "${NEW}" 1
for n in 0 1; do
  ops=$( ((n == 0)) && echo "${P_PEER0_OPS}" || echo "${P_PEER1_OPS}")
  retry_for 60 0.2 healthy_at "$(h_ip "${NEW}"):${ops}" || die "peer${n} of $(h_name "${NEW}") not healthy: ${HEALTH_BODY}"
done
# Block 0 from the ordering service, fetched by the new org's own admin (it reads the channel now).
fetch_block0() {
  (as_admin "${NEW}" && peer channel fetch 0 "${WORK}/${CHANNEL_NAME}-0.block" -o "$(h_orderer_endpoint "${NEW}")" \
    -c "${CHANNEL_NAME}" --tls --cafile "$(h_orderer_tls_ca "${NEW}")") >>"$(h_dir "${NEW}")/logs/peer-cli.log" 2>&1
}
retry_for 30 1 fetch_block0 || die "$(h_name "${NEW}") could not fetch the channel's block 0 (see $(h_dir "${NEW}")/logs/peer-cli.log)"
joined() {
  local n=$1
  (as_admin "${NEW}" "${n}" && peer channel join -b "${WORK}/${CHANNEL_NAME}-0.block") >>"$(h_dir "${NEW}")/logs/peer-cli.log" 2>&1 ||
    (as_admin "${NEW}" "${n}" && peer channel list 2>/dev/null | grep -qx "${CHANNEL_NAME}")
}
for n in 0 1; do retry_for 60 0.5 joined "${n}" || die "peer${n} of $(h_name "${NEW}") could not join (see its peer-cli.log)"; done
fetch_config "${NEW}" "${WORK}/config2.json"
"${NODE_BIN}" -e '
  const fs = require("node:fs");
  const [configFile, msp, host, port, out] = process.argv.slice(1);
  const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
  config.channel_group.groups.Application.groups[msp].values.AnchorPeers = {
    mod_policy: "Admins", value: { anchor_peers: [{ host, port: Number(port) }] }, version: "0",
  };
  fs.writeFileSync(out, JSON.stringify(config));
' "${WORK}/config2.json" "${NEW_MSP}" "$(h_ip "${NEW}")" "${P_PEER0}" "${WORK}/config_with_anchor.json"
make_update "${WORK}/config2.json" "${WORK}/config_with_anchor.json" "${WORK}/anchor.pb"
(as_admin "${NEW}" && peer channel update -f "${WORK}/anchor.pb" -c "${CHANNEL_NAME}" -o "$(h_orderer_endpoint "${NEW}")" \
  --tls --cafile "$(h_orderer_tls_ca "${NEW}")") >>"$(h_dir "${NEW}")/logs/peer-cli.log" 2>&1 ||
  die "the anchor peer update of ${NEW_MSP} was refused (see $(h_dir "${NEW}")/logs/peer-cli.log)"
for h in "${HOSPITALS[@]}"; do
  retry_for 90 0.2 sees_everyone "${h}" || die "peer0 of $(h_name "${h}") does not see every other hospital (see its peer0.log)"
done
step_done "peers joined, anchor peer set, gossip membership across all $((${#HOSPITALS[@]})) hospitals"

# ------------------------------------------------ 4. chaincode definition update
# The package is the same for every hospital (its server address is each namespace's loopback).
CC_DIR="${REPO_DIR}/chaincode"
CC_PACKAGE="${SHARED}/chaincode/${CHAINCODE_LABEL}.tar.gz"
read -r CC_VERSION CC_PACKAGE_ID SEQUENCE < <("${NODE_BIN}" -p \
  'const c = require(process.argv[1]); [c.version, c.packageId, c.sequence + 1].join(" ")' "${SHARED}/chaincode.json")
cc_serve "${NEW}"
cc_definition "${HOSPITALS[@]}"
retry_for 30 0.2 chaincode_listening "${NEW}" || die "the chaincode server of $(h_name "${NEW}") did not listen"
for h in "${HOSPITALS[@]}"; do cc_approve "${h}" "${SEQUENCE}"; done
# Endorsed by a majority of the new member list (the lifecycle endorsement policy).
COMMITTERS=("${HOSPITALS[@]:0:$((${#HOSPITALS[@]} / 2 + 1))}")
cc_commit "${SEQUENCE}" "${EXISTING[0]}" "${COMMITTERS[@]}"
for h in "${HOSPITALS[@]}"; do
  for n in 0 1; do
    retry_for 30 0.5 chaincode_answers "${h}" "${n}" || die "peer${n} of $(h_name "${h}") cannot run the chaincode at sequence ${SEQUENCE}"
  done
done
cc_record "${SEQUENCE}" "${HOSPITALS[@]}"
step_done "chaincode definition sequence ${SEQUENCE} (${CC_POLICY}; collections for ${#HOSPITALS[@]} orgs) approved by all, committed, running on $(h_name "${NEW}")'s peers"

# ------------------------------------------------------------------ 5. Kubo
# The swarm key goes from a member's repo straight into the new one (never through shared/).
init_kubo "${NEW}" "$(h_dir "${EXISTING[0]}")/ipfs/swarm.key"
configure_kubo_peers "${NEW}"
start_kubo "${NEW}"
new_addr="/ip4/$(h_ip "${NEW}")/tcp/${P_KUBO_SWARM}/p2p/$(<"$(h_dir "${NEW}")/ipfs.peerid")"
for h in "${EXISTING[@]}"; do
  # Persist the new peer in the member's config (through its running daemon), and peer with it now.
  configure_kubo_peers "${h}"
  curl -sf --max-time 10 -X POST "http://$(h_ip "${h}"):${P_KUBO_API}/api/v0/swarm/peering/add?arg=${new_addr}" >/dev/null ||
    warn "Kubo of $(h_name "${h}") did not take the new peering (it reconnects through its config on restart)"
done
for h in "${HOSPITALS[@]}"; do
  retry_for 60 0.5 kubo_sees_others "${h}" || die "the Kubo node of $(h_name "${h}") is not connected to every other (see its kubo.log)"
done
step_done "Kubo node in the private swarm (connected both ways)"

# ---------------------------------------------------------------- 6. gateway
write_connection_profile "${NEW}"
gateway_up "${NEW}" || die "the gateway of $(h_name "${NEW}") is not ready (see $(h_dir "${NEW}")/logs/gateway.log)"
grep -q 'org registered on first start' "$(h_dir "${NEW}")/logs/gateway.log" ||
  warn "the gateway's log does not show the org's registration (was ${NEW_MSP} registered before?)"
step_done "gateway up, ${NEW_MSP} registered on the ledger"

write_summary
log "$(h_name "${NEW}") added in $(elapsed "${ADD_STARTED}")s"
print_endpoints
