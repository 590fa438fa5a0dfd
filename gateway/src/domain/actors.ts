import type { Role } from '@careledger/chaincode/rules';

/** The user a call acts for, as the ledger registry knows them. `org` is the home org's MSP id. */
export interface ActorRef {
  userId: string;
  org: string;
  role: Role;
}

/** Paging of list transactions. */
export interface PageQuery {
  pageSize?: number;
  bookmark?: string;
}

/** A device as a call names it: the device, the patient its credential is for, and the org that registered it. */
export interface DeviceRef {
  deviceId: string;
  patientId: string;
  org: string;
}
