/**
 * CareLedger chaincode. `contracts` is what fabric-chaincode-node (server mode) and the embedded ledger
 * load; each contract is one concern, addressed as `name:Function` (e.g. `records:CreateRecord`).
 */
import { AccessContract } from './contracts/access-contract.js';
import { AccessRequestContract } from './contracts/access-request-contract.js';
import { ConsentContract } from './contracts/consent-contract.js';
import { DeviceContract } from './contracts/device-contract.js';
import { EmergencyContract } from './contracts/emergency-contract.js';
import { ErasureContract } from './contracts/erasure-contract.js';
import { KeyCustodyContract } from './contracts/key-custody-contract.js';
import { RecordContract } from './contracts/record-contract.js';
import { RegistryContract } from './contracts/registry-contract.js';

export { AccessContract, AccessRequestContract, ConsentContract, DeviceContract, EmergencyContract, ErasureContract, KeyCustodyContract, RecordContract, RegistryContract };
export * from './model.js';
export { directoryCollection, memberAccess, orgCollection, shareCollection, viewOf } from './ledger/collections.js';

export const contracts = [
  RegistryContract,
  RecordContract,
  ConsentContract,
  AccessRequestContract,
  EmergencyContract,
  AccessContract,
  ErasureContract,
  DeviceContract,
  KeyCustodyContract,
];
export { EVENT_FIELDS, type EventName } from './ledger/events.js';
export { simulateEndorserClock } from './ledger/endorser-clock.js';
export { marshal } from './ledger/marshal.js';
