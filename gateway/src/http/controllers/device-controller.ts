import { Body, Controller, Delete, Get, Path, Post, Produces, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { AuthenticatedRequest, DeviceRequest, GatewayServices } from '../gateway-services.js';
import type { BatchReceipt, DeviceRegistration, DeviceRevocation, FhirResource, Id, LoincCode, ObservationBatch, DateTime, ReadingLimit, Problem, Purpose, RegisterDeviceRequest } from '../models.js';
import { FHIR_JSON, gatewayBase } from '../fhir-json.js';

@Route('v1')
@Tags('Devices')
export class DeviceController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /**
   * An admin of the patient's home org registers a device for the patient. The answer holds the device's
   * credential (shown once): a bearer token accepted only by `POST /v1/devices/{deviceId}/observations`,
   * for this device and this patient.
   */
  @Post('devices')
  @Security('bearer')
  @SuccessResponse(201, 'Registered')
  @Response<Problem>(400, 'Malformed input')
  @Response<Problem>(401, 'No or invalid token')
  @Response<Problem>(403, 'Not an admin of the patient’s home org')
  @Response<Problem>(404, 'No such patient')
  public async register(@Request() req: AuthenticatedRequest, @Body() body: RegisterDeviceRequest): Promise<DeviceRegistration> {
    const registration = await this.services.devices.register(req.user, body.patientId);
    this.setStatus(201);
    return registration;
  }

  /** An admin of the device's home org revokes it: its credential stops working (the ledger refuses its batches). */
  @Delete('devices/{deviceId}')
  @Security('bearer')
  @Response<Problem>(401, 'No or invalid token')
  @Response<Problem>(403, 'Not an admin')
  @Response<Problem>(404, 'No such device (in the admin’s org)')
  @Response<Problem>(409, 'Already revoked')
  public async revoke(@Request() req: AuthenticatedRequest, @Path() deviceId: Id): Promise<DeviceRevocation> {
    return this.services.devices.revoke(req.user, deviceId);
  }

  /**
   * A device posts a batch of LOINC-coded vital signs (up to 10,000), with its device credential. The batch
   * is encrypted and stored like a record (category `device-observations`) and its SHA-256 anchored on the
   * ledger in one transaction. A device posts only for itself and the patient it was registered for.
   */
  @Post('devices/{deviceId}/observations')
  @Security('device')
  @SuccessResponse(201, 'Stored and anchored')
  @Response<Problem>(400, 'Malformed readings (the first bad one is named)')
  @Response<Problem>(401, 'No or invalid device credential')
  @Response<Problem>(403, 'Another device or patient, or a revoked device')
  @Response<Problem>(413, 'Body too large')
  public async ingest(@Request() req: DeviceRequest, @Path() deviceId: Id, @Body() body: ObservationBatch): Promise<BatchReceipt> {
    const receipt = await this.services.devices.ingest(req.user, deviceId, body);
    this.setStatus(201);
    return receipt;
  }

  /**
   * The patient's device observations the caller may read, as a FHIR R4 `searchset` Bundle of vital-signs
   * Observations (oldest first, at most `limit`; `total` counts all matches). Each batch opened is a read
   * recorded for `purpose`, decrypted and checked against the ledger (a mismatch: 502, recorded).
   */
  @Get('patients/{patientId}/observations')
  @Security('bearer')
  @Produces('application/fhir+json')
  @Response<Problem>(400, 'Malformed query')
  @Response<Problem>(401, 'No or invalid token')
  @Response<Problem>(403, 'A batch read was denied (and recorded)')
  @Response<Problem>(502, 'A batch failed verification (recorded)')
  public async observations(
    @Request() req: AuthenticatedRequest,
    @Path() patientId: Id,
    @Query() purpose: Purpose,
    @Query() code?: LoincCode,
    /** Readings at or after (RFC 3339, with a zone). */ @Query() from?: DateTime,
    /** Readings at or before (RFC 3339, with a zone). */ @Query() to?: DateTime,
    @Query() limit?: ReadingLimit,
  ): Promise<FhirResource> {
    const base = gatewayBase(req);
    const bundle = await this.services.devices.observations(req.user, patientId, { purpose, code, from, to, limit }, base + req.originalUrl, `${base}/v1/fhir`);
    this.setHeader('Content-Type', FHIR_JSON);
    return bundle as unknown as FhirResource;
  }
}
