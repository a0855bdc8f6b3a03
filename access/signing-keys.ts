import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { HubDb } from '../store/database.js';
import { activateSigningKey, findActivePrivateKey, listSigningKeys, type SigningKeyRow } from '../store/signing-key-queries.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256';

/** How long a change of the active key (a rotation by another process) may take to reach this one. */
const REFRESH_MS = 30_000;
/** An unknown kid reloads the key list at most this often, so made-up kids cannot flood the database. */
const UNKNOWN_KID_RELOAD_MS = 5_000;

export interface SigningKeysDeps {
  readonly db: HubDb;
  readonly algorithm: SigningAlgorithm;
  readonly clock: () => Date;
}

export interface PublicKeyEntry {
  readonly kid: string;
  readonly alg: string;
  readonly jwk: JWK;
  readonly activatedAt: Date;
  readonly retiredAt: Date | null;
}

/** A new key pair, its kid the RFC 7638 thumbprint of the public key. */
async function newKeyPair(algorithm: SigningAlgorithm) {
  const { publicKey, privateKey } = await generateKeyPair(algorithm === 'EdDSA' ? 'Ed25519' : 'ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg: algorithm,
    publicJwk: { ...publicJwk, kid, alg: algorithm, use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: algorithm },
  };
}

/**
 * The hub's signing keys, kept in the database (private halves never leave it, nor appear in logs).
 * The newest active key signs; retired keys still verify what they signed.
 */
export class SigningKeys {
  private publicKeys: PublicKeyEntry[] = [];
  /** performance.now() of the last load: cache age is measured on the monotonic clock, not the injected one. */
  private loadedAt = -Infinity;
  /** Counts forgetLoadedKeys calls: a refresh that read the list before one does not mark it loaded. */
  private generation = 0;
  private signer: { kid: string; alg: string; key: CryptoKey } | undefined;
  private readonly imported = new Map<string, CryptoKey>();

  constructor(private readonly deps: SigningKeysDeps) {}

  /** Creates the first key when there is none (first start). Returns whether it created one. */
  async ensureKey(): Promise<boolean> {
    const created = await activateSigningKey(this.deps.db, await newKeyPair(this.deps.algorithm), this.deps.clock(), true);
    this.forgetLoadedKeys();
    return created;
  }

  /**
   * Activates a new key; the old one keeps verifying. Returns the new kid. `alsoInTransaction` (e.g.
   * the rotation's audit entry) runs in the rotation's transaction: if it throws, nothing is rotated.
   * This process signs with the new key from the commit on.
   */
  async rotate(alsoInTransaction?: (trx: HubDb, kid: string) => Promise<void>): Promise<string> {
    const pair = await newKeyPair(this.deps.algorithm);
    await this.deps.db.transaction().execute(async (trx) => {
      await activateSigningKey(trx, pair, this.deps.clock());
      await alsoInTransaction?.(trx, pair.kid);
    });
    this.forgetLoadedKeys();
    return pair.kid;
  }

  /** Makes the next use read the key list anew (a refresh already under way does not count as that read). */
  private forgetLoadedKeys(): void {
    this.generation += 1;
    this.loadedAt = -Infinity;
  }

  /** Signs a JWT with the active key, `typ` naming the kind of token. */
  async sign(claims: JWTPayload, typ: string): Promise<string> {
    const signer = await this.activeSigner();
    return new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ }).sign(signer.key);
  }

  /** Every public key the hub has had (JWKS), newest first. */
  async allPublicKeys(): Promise<PublicKeyEntry[]> {
    await this.refresh(false);
    return this.publicKeys;
  }

  /**
   * The public key with this kid, if it is known and was active within `maxRetiredSeconds` (omit to
   * accept any key the hub has had, e.g. for old signed checkpoints).
   */
  async verificationKey(kid: string, maxRetiredSeconds?: number): Promise<{ key: CryptoKey; alg: string } | undefined> {
    await this.refresh(false);
    let entry = this.publicKeys.find((k) => k.kid === kid);
    if (!entry && performance.now() - this.loadedAt > UNKNOWN_KID_RELOAD_MS) {
      await this.refresh(true);
      entry = this.publicKeys.find((k) => k.kid === kid);
    }
    if (!entry) return undefined;
    if (maxRetiredSeconds !== undefined && entry.retiredAt && this.deps.clock().getTime() - entry.retiredAt.getTime() > maxRetiredSeconds * 1000)
      return undefined;
    let key = this.imported.get(kid);
    if (!key) {
      key = (await importJWK(entry.jwk, entry.alg)) as CryptoKey;
      this.imported.set(kid, key);
    }
    return { key, alg: entry.alg };
  }

  private async refresh(force: boolean): Promise<void> {
    if (!force && performance.now() - this.loadedAt < REFRESH_MS) return;
    const generation = this.generation;
    const rows = await listSigningKeys(this.deps.db);
    this.publicKeys = rows.map((row: SigningKeyRow) => ({
      kid: row.kid,
      alg: row.alg,
      jwk: row.public_jwk as JWK,
      activatedAt: row.activated_at,
      retiredAt: row.retired_at,
    }));
    if (generation === this.generation) this.loadedAt = performance.now();
    const active = this.publicKeys.find((k) => k.retiredAt === null);
    if (this.signer && this.signer.kid !== active?.kid) this.signer = undefined;
  }

  private async activeSigner(): Promise<{ kid: string; alg: string; key: CryptoKey }> {
    await this.refresh(false);
    if (this.signer) return this.signer;
    const row = await findActivePrivateKey(this.deps.db);
    if (!row) throw new Error('the hub has no signing key: start the hub once or run `npm run hub -- key rotate`');
    this.signer = { kid: row.kid, alg: row.alg, key: (await importJWK(row.private_jwk as JWK, row.alg)) as CryptoKey };
    return this.signer;
  }
}
