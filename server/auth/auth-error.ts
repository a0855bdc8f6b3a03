/** OAuth 2.0 / RFC 6750 error codes the hub answers with. */
export type AuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_token';

/** A refused credential. The message is safe to show the client: it never echoes the token or a secret. */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
