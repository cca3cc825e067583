import { HttpError } from '../http/errors';
import { BusyError, type LiveSession, type SessionRegistry } from './sessions';

/**
 * Registers a new session; when the live limit is reached the session is closed again and the
 * request answered 503 "busy".
 */
export function admitSession(sessions: SessionRegistry, session: LiveSession): void {
  try {
    sessions.add(session);
  } catch (error) {
    session.close('busy');
    if (error instanceof BusyError) throw new HttpError(503, error.message);
    throw error;
  }
}
