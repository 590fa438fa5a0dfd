import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Get, Path, Post, Produces, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { FhirRequest } from '../../services/fhir-service.js';
import type { AuthenticatedRequest, GatewayServices } from '../gateway-services.js';
import { FHIR_JSON, gatewayBase } from '../fhir-json.js';
import type { Category, FhirConsentInput, FhirResource, Id, Modality, OperationOutcome, PageSize } from '../models.js';


function at(req: ExpressRequest): FhirRequest {
  return { base: gatewayBase(req), url: req.originalUrl };
}

/**
 * FHIR R4 views of the ledger (`application/fhir+json`): reads by id and searches by patient, under the same
 * rules as the JSON paths (what a caller may not see is 404 or absent from a search). Errors are FHIR
 * OperationOutcomes carrying the same stable codes as the problems elsewhere. Resource ids are ours with `_` written `-` (e.g. `rec-…` for `rec_…`); both forms are accepted.
 */
@Route('v1/fhir')
@Tags('FHIR')
@Security('bearer')
@Produces('application/fhir+json')
@Response<OperationOutcome>(401, 'No or invalid token')
export class FhirController extends Controller {
  constructor(private readonly services: GatewayServices) {
    super();
  }

  /** The pseudonymous Patient: id, active, managing org. */
  @Get('Patient/{id}')
  @Response<OperationOutcome>(404, 'No such patient')
  public async patient(@Request() req: AuthenticatedRequest, @Path() id: Id): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.patient(req.user, id));
  }

  /** A record as DocumentReference (404 when the caller may not see it). */
  @Get('DocumentReference/{id}')
  @Response<OperationOutcome>(404, 'No such record')
  @Response<OperationOutcome>(410, 'The record was erased')
  public async documentReference(@Request() req: AuthenticatedRequest, @Path() id: Id): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.documentReference(req.user, id, at(req)));
  }

  /** A patient's records the caller may see, as a searchset of DocumentReference (`_page`: the `next` link's bookmark). */
  @Get('DocumentReference')
  @Response<OperationOutcome>(400, 'Malformed query')
  public async searchDocumentReferences(
    @Request() req: AuthenticatedRequest,
    @Query() patient: Id,
    @Query() category?: Category,
    @Query('_count') count?: PageSize,
    @Query('_page') page?: string,
  ): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.searchDocumentReferences(req.user, patient, category, { count, page }, at(req)));
  }

  /** A DICOM record as ImagingStudy (404 for other records and for callers who may not see it). */
  @Get('ImagingStudy/{id}')
  @Response<OperationOutcome>(404, 'No such study')
  @Response<OperationOutcome>(410, 'The record was erased')
  public async imagingStudy(@Request() req: AuthenticatedRequest, @Path() id: Id): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.imagingStudy(req.user, id));
  }

  /** A patient's DICOM studies the caller may see, optionally of one modality. */
  @Get('ImagingStudy')
  @Response<OperationOutcome>(400, 'Malformed query')
  public async searchImagingStudies(
    @Request() req: AuthenticatedRequest,
    @Query() patient: Id,
    @Query() modality?: Modality,
    @Query('_count') count?: PageSize,
    @Query('_page') page?: string,
  ): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.searchImagingStudies(req.user, patient, modality, { count, page }, at(req)));
  }

  /** A consent (the patient, the home admin, the grantee). */
  @Get('Consent/{id}')
  @Response<OperationOutcome>(404, 'No such consent')
  public async consent(@Request() req: AuthenticatedRequest, @Path() id: Id): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.consent(req.user, id));
  }

  /**
   * The patient grants access with a FHIR R4 Consent (application/fhir+json or application/json): the same
   * grant as `POST /v1/patients/{patientId}/consents`, only by the patient themself. Answers the stored
   * consent as `GET /v1/fhir/Consent/{id}` renders it; posting that view back asks for the same grant.
   * Whatever a grant cannot hold (another status, a deny, nested provisions, a policy, an unknown purpose,
   * collect, ...) is a 400 whose `expression` names the element.
   */
  @Post('Consent')
  @SuccessResponse(201, 'Created: the stored consent')
  @Response<OperationOutcome>(400, 'A Consent the gateway cannot store as a grant (`expression` names the element)')
  @Response<OperationOutcome>(403, 'Only the patient grants')
  @Response<OperationOutcome>(404, 'No such grantee, org or record of the patient')
  @Response<OperationOutcome>(409, 'A concurrent change to the same data won; try again')
  @Response<OperationOutcome>(410, 'The patient was erased meanwhile')
  @Response<OperationOutcome>(415, 'The body is not application/fhir+json or application/json')
  public async createConsent(@Request() req: AuthenticatedRequest, @Body() body: FhirConsentInput): Promise<FhirResource> {
    const consent = await this.services.fhir.createConsent(req.user, body);
    this.setStatus(201);
    return this.fhir(consent);
  }

  /** A patient's consents the caller may read. */
  @Get('Consent')
  @Response<OperationOutcome>(400, 'Malformed query')
  public async searchConsents(@Request() req: AuthenticatedRequest, @Query() patient: Id): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.searchConsents(req.user, patient, at(req)));
  }

  /** A patient's access log as AuditEvents (the patient and the home admin). */
  @Get('AuditEvent')
  @Response<OperationOutcome>(400, 'Malformed query')
  @Response<OperationOutcome>(403, 'Only the patient and the home admin')
  public async searchAuditEvents(
    @Request() req: AuthenticatedRequest,
    @Query() patient: Id,
    @Query('_count') count?: PageSize,
    @Query('_page') page?: string,
  ): Promise<FhirResource> {
    return this.fhir(await this.services.fhir.searchAuditEvents(req.user, patient, { count, page }, at(req)));
  }

  private fhir(resource: object): FhirResource {
    this.setHeader('Content-Type', FHIR_JSON);
    return resource as FhirResource;
  }
}
