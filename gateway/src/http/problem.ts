import { randomUUID } from 'node:crypto';
import { ValidateError } from '@tsoa/runtime';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../domain/app-error.js';
import { AuthError } from '../ports/authenticator.js';
import type { Problem } from './models.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
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

/** Maps any error to a problem; unknown errors become a bare 500 (details go to the log only). */
export function toProblem(error: unknown, id: string): Problem {
  if (error instanceof AppError) {
    return { type: error.type, title: TITLES[error.status] ?? 'Error', status: error.status, detail: error.detail, code: error.code, requestId: id, ...(error.field ? { field: error.field } : {}) };
  }
  if (error instanceof AuthError) {
    return toProblem(new AppError('UNAUTHENTICATED', `a valid bearer token is required (${error.reason})`), id);
  }
  if (error instanceof ValidateError) {
    // Never echo the rejected value: it may be personal data.
    const [field, info] = Object.entries(error.fields)[0] ?? ['body', { message: 'invalid' }];
    return toProblem(new AppError('INVALID_ARGUMENT', `${field}: ${info.message}`, field.replace(/^requestBody\.?/, 'body.').replace(/^body\.$/, 'body')), id);
  }
  const status = (error as { status?: number; type?: string }).status;
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large' || status === 413) return toProblem(new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large'), id);
  if (type === 'entity.parse.failed') return toProblem(new AppError('INVALID_ARGUMENT', 'the body is not valid JSON', 'body'), id);
  if (status === 415) return toProblem(new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported media type'), id);
  return { type: 'about:blank', title: TITLES[500], status: 500, detail: 'an unexpected error occurred', code: 'INTERNAL', requestId: id };
}

/** The one error middleware: problem+json out, and a log line without personal data. */
export function problemHandler(log: { error(o: object, m?: string): void; warn(o: object, m?: string): void }): ErrorRequestHandler {
  return (error, req, res, next) => {
    const id = (res.locals.requestId as string | undefined) ?? randomUUID();
    const problem = toProblem(error, id);
    if (problem.status >= 500) log.error({ err: error, requestId: id, path: req.route?.path }, 'request failed');
    else log.warn({ code: problem.code, status: problem.status, requestId: id }, 'request refused');
    if (res.headersSent) {
      // A streamed response cannot change its status any more: cut it so the client sees a failure.
      res.destroy();
      return;
    }
    if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
    void next;
  };
}

/** 404 for unknown paths, as a problem. */
export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('NOT_FOUND', 'no such path'));
