import type { RequestHandler } from 'express';
import { AppError } from '../domain/app-error.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The part of an OpenAPI document this middleware reads. */
export interface OpenApiPaths {
  paths?: Record<string, Partial<Record<string, unknown>>>;
}

/**
 * 405 with an `Allow` header for a path the spec has, called with a method it does not have (runs after
 * the routes, so only unmatched requests reach it); other requests go on to the 404. The table comes from
 * the served spec, so the two cannot disagree. HEAD is allowed wherever GET is (express answers it).
 */
export function methodNotAllowed(openapi: OpenApiPaths): RequestHandler {
  const routes = Object.entries(openapi.paths ?? {}).map(([template, item]) => {
    const methods = HTTP_METHODS.filter((m) => item[m] !== undefined).map((m) => m.toUpperCase());
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    const pattern = template
      .split(/(\{[^}/]+\})/)
      .map((part) => (/^\{[^}/]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return { matcher: new RegExp(`^${pattern}/?$`), allow: methods.join(', ') };
  });
  return (req, res, next) => {
    const route = routes.find((r) => r.matcher.test(req.path));
    if (!route) {
      next();
      return;
    }
    res.setHeader('Allow', route.allow);
    next(new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here (allowed: ${route.allow})`));
  };
}
