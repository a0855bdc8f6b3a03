import type { Logger } from 'pino';
import { signCheckpoint, type CheckpointDeps, type SignedCheckpoint } from '../audit/checkpoints.js';

export const SIGN_CHECKPOINT_JOB = 'sign-audit-checkpoint';

/**
 * Signs a checkpoint of the audit log when it has grown since the last one. Safe in several processes
 * at once: a checkpoint of the same size stored twice is stored once.
 */
export async function runSignCheckpoint(deps: CheckpointDeps & { logger: Logger }): Promise<SignedCheckpoint> {
  const checkpoint = await signCheckpoint(deps);
  deps.logger.debug({ job: SIGN_CHECKPOINT_JOB, treeSize: checkpoint.treeSize }, 'audit checkpoint signed');
  return checkpoint;
}
