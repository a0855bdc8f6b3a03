/** OAuth 2.0 / RFC 6750 error codes the hub answers with. */
export type AuthErrorCode =
  'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_token';

/**
 * A refused credential. The message is safe to show the client: it never echoes the token or a
 * secret. `logReason`, when set, is the more precise reason for the service log only (the client gets
 * the message, e.g. so that it cannot tell an unknown client from a wrong signature).
 */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly logReason?: string,
  ) {
    super(message);
  }
}
