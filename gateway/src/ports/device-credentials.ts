/** What a device credential speaks for: one device, the one patient it posts for, and the org that registered it. */
export interface DeviceSubject {
  deviceId: string;
  patientId: string;
  /** MSP id of the registering (the patient's home) org. */
  org: string;
}

/** A credential as handed to the device once, at registration. */
export interface IssuedDeviceCredential {
  token: string;
  /** Seconds until the credential expires. */
  expiresIn: number;
}

/**
 * Device credentials: bearer tokens scoped to one device and its patient, accepted only by the device
 * ingest path (never as a user's token). Whether the device is still active is the ledger's check.
 */
export interface DeviceCredentials {
  issue(subject: DeviceSubject): Promise<IssuedDeviceCredential>;
  /** Throws {@link AuthError} when the token is missing, malformed, expired or not one this issuer signed. */
  verify(token: string): Promise<DeviceSubject>;
  ready(): Promise<void>;
}
