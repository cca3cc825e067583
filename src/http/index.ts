export { buildServer } from './server';
export type { ServerOptions } from './server';
export type { RoutePlugin, ServerContext } from './context';
export { HttpError, sendError, toHttpError } from './errors';
export type { ErrorBody } from './errors';
