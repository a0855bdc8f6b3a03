import type { Logger } from 'pino';
import type { ConnectorDeps } from '../connectors/types.js';
import { prepareBatch, writePreparedBatch, type IngestionDeps } from '../ingestion/ingest-batch.js';
import { readWatermark, saveWatermark } from '../store/connector-state.js';

/**
 * What every connector gets from the hub: the ingestion core's two steps and its own watermark,
 * read from and saved to the database here, so a connector never holds the database itself. A
 * batch's watermark is saved last in the batch's transaction.
 */
export function hubConnectorDeps(ingestion: IngestionDeps, logger: Logger, signRequestToken: ConnectorDeps['signRequestToken']): ConnectorDeps {
  return {
    prepare: (request) => prepareBatch(ingestion, request),
    write: (batch, options) => {
      const watermark = options?.watermark;
      return writePreparedBatch(
        ingestion,
        batch,
        watermark ? (trx) => saveWatermark(trx, batch.agencyCode, watermark.connector, watermark.value, ingestion.clock()) : undefined,
      );
    },
    readWatermark: (agencyCode, connector) => readWatermark(ingestion.db, agencyCode, connector),
    logger,
    signRequestToken,
  };
}
