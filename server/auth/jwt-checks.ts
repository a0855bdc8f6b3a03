import { decodeProtectedHeader, errors, type ProtectedHeaderParameters } from 'jose';
import { AuthError, type AuthErrorCode } from './auth-error.js';

/** RFC 8725 §3.8: a token is never trusted to say where its key is. */
const KEY_LOCATING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;
export const MAX_TOKEN_BYTES = 8 * 1024;

/**
 * Checks done before any signature work: size, shape, and headers the hub never honours.
 * Returns the protected header (kid, alg, typ) of a token that passes.
 */
export function precheckJwt(token: string, code: AuthErrorCode, what: string): ProtectedHeaderParameters {
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) throw new AuthError(code, `${what} is larger than ${MAX_TOKEN_BYTES} bytes`);
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new AuthError(code, `${what} is not a well-formed JWT`);
  }
  const locating = KEY_LOCATING_HEADERS.find((name) => name in header);
  if (locating) throw new AuthError(code, `${what} carries a "${locating}" header; keys are never taken from a token`);
  if (header.alg === 'none' || typeof header.alg !== 'string') throw new AuthError(code, `${what} is unsigned (alg "none" is never accepted)`);
  return header;
}

/** A jose verification error as a clear reason that reveals nothing about the hub's keys. */
export function describeJoseError(error: unknown, what: string, code: AuthErrorCode): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError(code, `${what} has expired`);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reasons: Record<string, string> = {
      nbf: 'is not valid yet',
      iat: 'is issued in the future',
      iss: 'was not issued by the expected issuer',
      aud: 'is not meant for this audience',
      sub: 'has the wrong subject',
      typ: 'is the wrong kind of token (typ)',
    };
    return new AuthError(code, `${what} ${reasons[error.claim] ?? `has an invalid or missing "${error.claim}" claim`}`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new AuthError(code, `${what} uses an algorithm that is not allowed`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthError(code, `${what} has an invalid signature`);
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new AuthError(code, `${what} is signed with a key that is not registered`);
  return new AuthError(code, `${what} is invalid`);
}
