import type { BatchAnchor, Created, RecordPage } from '@careledger/chaincode';
import type { Ledger } from '../ports/ledger.js';
import { evaluateJson, submitJson, transientJson } from './call.js';
import type { ActorRef, DeviceRef } from '../domain/actors.js';

/** Private inputs of a batch (sent in the transient map). */
export interface NewBatch {
  sha256: string;
  size: number;
  cid: string;
  mediaType: string;
  /** MSP id -> compact JWE of the data key. */
  wrappedKeys: Record<string, string>;
  summary: { readings: number; codes: string[]; from: string; to: string };
}

/**
 * The chaincode's `devices` contract as typed calls: register and revoke devices (an admin), the orgs a
 * batch is wrapped for, and anchoring a batch (the device, through its org's gateway).
 */
export class DeviceChaincode {
  constructor(private readonly ledger: Ledger) {}

  registerDevice(actor: ActorRef, patientId: string): Promise<Created> {
    return submitJson(this.ledger, actor.org, { name: 'devices:RegisterDevice', args: [actor.userId, patientId], endorsingOrgs: [actor.org] });
  }

  revokeDevice(actor: ActorRef, deviceId: string): Promise<Created> {
    return submitJson(this.ledger, actor.org, { name: 'devices:RevokeDevice', args: [actor.userId, deviceId], endorsingOrgs: [actor.org] });
  }

  batchRecipients(device: DeviceRef): Promise<string[]> {
    return evaluateJson(this.ledger, device.org, { name: 'devices:BatchRecipients', args: [device.deviceId, device.patientId] });
  }

  /** One transaction per batch; the home org endorses (the batch is written to its own collection and its shares). */
  anchorBatch(device: DeviceRef, batch: NewBatch): Promise<Created> {
    return submitJson(this.ledger, device.org, {
      name: 'devices:AnchorBatch',
      args: [device.deviceId, device.patientId],
      transient: { batch: transientJson(batch) },
      endorsingOrgs: [device.org],
    });
  }

  /** A page of the patient's batches the caller may see that overlap [from, to] ('' = open), by their last reading. */
  batchesInRange(actor: ActorRef, patientId: string, range: { from?: string; to?: string }, pageSize: number, bookmark: string): Promise<RecordPage> {
    return evaluateJson(this.ledger, actor.org, {
      name: 'devices:BatchesInRange',
      args: [actor.userId, patientId, range.from ?? '', range.to ?? '', String(pageSize), bookmark],
    });
  }

  getBatchAnchor(asOrg: string, recordId: string): Promise<BatchAnchor> {
    return evaluateJson(this.ledger, asOrg, { name: 'devices:GetBatchAnchor', args: [recordId] });
  }
}
