import { randomUUID } from 'node:crypto';
import { ValidateError } from '@tsoa/runtime';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CiphertextError } from '../crypto/ciphertext-error.js';
import { DataKeyError } from '../crypto/data-key-error.js';
import { AppError } from '../domain/app-error.js';
import { AuthError } from '../ports/authenticator.js';
import { BlobNotFoundError } from '../ports/blob-store.js';
import { DependencyUnavailableError } from '../ports/dependency.js';
import { LedgerError } from '../ports/ledger-error.js';
import { FHIR_JSON } from './fhir-json.js';
import type { Problem } from './models.js';
import { isFhirPath, toOperationOutcome } from './operation-outcome.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Gives every request an id (kept from a sane `X-Request-Id`, else new) and echoes it. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.header('x-request-id');
  const id = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/**
 * Every error a port or adapter can raise, as the AppError the client gets; undefined for anything else (a bug,
 * answered 500). Messages of these errors are never passed on: they may name files or internal states.
 */
export function knownError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof DependencyUnavailableError) {
    return AppError.unavailable(error.dependency, error.reason === 'timeout' ? `the ${error.dependency} did not answer in time` : `the ${error.dependency} cannot be reached`);
  }
  if (error instanceof LedgerError) {
    if (error.code === 'INTERNAL') return undefined;
    if (error.code === 'UNAVAILABLE') return AppError.unavailable('ledger', 'the ledger is unavailable');
    return new AppError(error.code, error.detail, error.field);
  }
  if (error instanceof BlobNotFoundError) return new AppError('CONTENT_MISSING', 'the content of this record is missing from the blob store');
  if (error instanceof CiphertextError) return new AppError('INTEGRITY_VIOLATION', 'the stored ciphertext failed verification');
  if (error instanceof DataKeyError) return new AppError('KEY_UNUSABLE', 'a data key could not be wrapped or unwrapped with the registered org keys');
  // The local key service's error, known by name: the edge does not import adapters.
  if (error instanceof Error && error.name === 'LocalKeyError') {
    const code = (error as Error & { code?: unknown }).code;
    if (code === 'KEY_ORG_UNKNOWN') return new AppError('WRONG_ORG', 'this gateway holds no key of that org');
    return AppError.unavailable('key-service', 'the key service cannot use its key file');
  }
  return undefined;
}

/**
 * Maps any error to a problem; unknown errors become a bare 500 that says nothing but the request id (details
 * go to the log only). `body` is the parsed request body, used only to name the parent of a bad array item.
 */
export function toProblem(error: unknown, id: string, body?: unknown): Problem {
  const known = knownError(error);
  if (known && known.code !== 'INTERNAL') {
    return {
      type: known.type,
      title: TITLES[known.status] ?? 'Error',
      status: known.status,
      detail: known.detail,
      code: known.code,
      requestId: id,
      ...(known.field ? { field: known.field } : {}),
      ...(known.dependency ? { dependency: known.dependency } : {}),
    };
  }
  if (error instanceof AuthError) {
    return toProblem(new AppError('UNAUTHENTICATED', `a valid bearer token is required (${error.reason})`), id);
  }
  if (error instanceof ValidateError) {
    const [key, info] = Object.entries(error.fields)[0] ?? ['body', { message: 'invalid' }];
    const { field, message } = describeInvalid(key, info.message, body);
    return toProblem(new AppError('INVALID_ARGUMENT', `${field}: ${message}`, field), id);
  }
  const status = (error as { status?: number; type?: string } | undefined)?.status;
  const type = (error as { type?: string } | undefined)?.type;
  if (type === 'entity.too.large' || status === 413) return toProblem(new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large'), id);
  if (type === 'entity.parse.failed') return toProblem(new AppError('INVALID_ARGUMENT', 'the body is not valid JSON', 'body'), id);
  // express refuses a path parameter that is not valid percent-encoding (its message echoes the value).
  if (error instanceof URIError && status === 400) return toProblem(new AppError('INVALID_ARGUMENT', 'a path parameter is not valid percent-encoding', 'path'), id);
  if (status === 415) return toProblem(new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported media type'), id);
  return { type: 'about:blank', title: TITLES[500], status: 500, detail: 'an unexpected error occurred', code: 'INTERNAL', requestId: id };
}

/** The one error middleware: problem+json out, and a log line without personal data. */
export function problemHandler(log: { error(o: object, m?: string): void; warn(o: object, m?: string): void }): ErrorRequestHandler {
  return (error, req, res, next) => {
    const id = (res.locals.requestId as string | undefined) ?? randomUUID();
    const problem = toProblem(error, id, req.body);
    if (problem.status >= 500) log.error({ err: error, requestId: id, path: req.route?.path }, 'request failed');
    else log.warn({ code: problem.code, status: problem.status, requestId: id }, 'request refused');
    if (res.headersSent) {
      // A streamed response cannot change its status any more: cut it so the client sees a failure.
      res.destroy();
      return;
    }
    if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (isFhirPath(req.path)) {
      res.status(problem.status).type(FHIR_JSON).send(JSON.stringify(toOperationOutcome(problem)));
      return;
    }
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
    void next;
  };
}

/** 404 for unknown paths, as a problem. */
export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('NOT_FOUND', 'no such path'));

/**
 * Names a tsoa validation failure the way the services and the chaincode do (`grantee.kind`,
 * `purposes[0]`, `patientId`; `body` for the whole body) with a message that never echoes the
 * rejected value: tsoa's union messages embed it, and an unknown property's name is kept only when it
 * looks like an identifier.
 */
function describeInvalid(key: string, tsoaMessage: string, body: unknown): { field: string; message: string } {
  let path = key.replace(/^(requestBody|body)(\.|$)/, '');
  // tsoa names array items `categories.$0`, without the parents of `categories`.
  const item = /^([^.$]+)\.\$\d+/.exec(path);
  if (item && path === key) path = (parentPath(body, item[1]) ?? '') + path;
  let field = path.replace(/\.\$(\d+)/g, '[$1]') || 'body';
  if (/ is an excess property/.test(tsoaMessage)) {
    const name = field.slice(field.lastIndexOf('.') + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) field = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : 'body';
    return { field, message: 'is not an allowed property' };
  }
  if (tsoaMessage.startsWith('Could not match')) return { field, message: allowedValues(tsoaMessage) };
  return { field, message: tsoaMessage };
}

/** "must be one of A, B" from tsoa's union message (which also holds the rejected value), read as JSON. */
function allowedValues(tsoaMessage: string): string {
  try {
    const issues = JSON.parse(tsoaMessage.slice(tsoaMessage.indexOf('Issues: ') + 8)) as Record<string, { message: string }>[];
    const allowed = issues.flatMap((issue) =>
      Object.values(issue).map((i) => /^should be one of the following; \[(.*)\]$/.exec(i.message)?.[1]),
    );
    if (allowed.length > 0 && allowed.every((a) => a !== undefined)) {
      return `must be one of ${allowed.flatMap((a) => a!.split(',').map((v) => v.replace(/^'|'$/g, ''))).join(', ')}`;
    }
  } catch {
    // fall through to the generic message
  }
  return 'does not match any of the allowed forms';
}

/** The dotted path (with a trailing dot) of the first object in `body` that has the property `name`. */
function parentPath(body: unknown, name: string): string | undefined {
  const queue: [unknown, string][] = [[body, '']];
  for (let seen = 0; queue.length > 0 && seen < 200; seen++) {
    const [value, at] = queue.shift()!;
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    if (Object.hasOwn(value, name)) return at;
    for (const [k, v] of Object.entries(value)) queue.push([v, `${at}${k}.`]);
  }
  return undefined;
}
