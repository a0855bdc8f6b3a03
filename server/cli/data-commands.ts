import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectorName } from '../../connectors/index.js';
import { emptyTotals } from '../../connectors/types.js';
import { replayQuarantine } from '../../connectors/replay-quarantine.js';
import { agencyCode as agencyCodeRule } from '../../ingestion/identifier-schemas.js';
import { findAgency } from '../../store/agency-queries.js';
import { countQuarantine } from '../../store/quarantine-queries.js';
import { verifyDrawCommand } from '../draw-verify-command.js';
import { importFile } from '../import-command.js';
import { withOperatorEntry } from '../operator-audit.js';
import { firstPositional, required, UsageError } from './arguments.js';
import { done, type OperatorCommand } from './operator-command.js';

/** An agency code as the config file's rule has it; throws UsageError naming the argument and the value. */
function agencyArgument(value: string): string {
  if (!agencyCodeRule.safeParse(value).success)
    throw new UsageError(`--agency "${value.slice(0, 40)}" is not an agency code: 2-40 characters of A-Z, 0-9, _ and -`);
  return value;
}

/** `import FILE --agency CODE [--source NAME] [--json]`: through the mapping of the agency's file-drop source, as a dropped file; audited. */
const importCommand: OperatorCommand = {
  name: 'import',
  prepare(args, cwd) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { agency: { type: 'string' }, source: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const path = resolve(cwd, firstPositional(positionals, 'import needs the file: import FILE --agency CODE [--source NAME]'));
    const agencyCode = agencyArgument(required(values, 'agency'));
    return async (deps, progress) => {
      const file = basename(path);
      const totals = emptyTotals();
      await withOperatorEntry(
        deps,
        'operator import',
        () => [`agency:${agencyCode}`, `file:${file.slice(0, 100)}`, `batches:${totals.batches}`],
        () =>
          importFile(deps, { agencyCode, sourceName: values.source, path }, totals, (read, rows) => {
            progress(file, 'rows', read, rows);
          }),
      );
      return done(
        values.json
          ? JSON.stringify(totals)
          : `imported ${file} for ${agencyCode}: ${totals.received} rows in ${totals.batches} batches; ${totals.inserted} inserted, ${totals.updated} updated, ${totals.unchanged} unchanged, ${totals.rejected} quarantined`,
      );
    };
  },
};

/**
 * `quarantine replay --agency CODE [--json]`: the agency's open quarantine mapped and validated again
 * with the config file's mappings as they are now (the code of the replayQuarantine mutation); audited.
 */
const replayCommand: OperatorCommand = {
  name: 'quarantine replay',
  prepare(args) {
    const { values } = parseArgs({ args: [...args], options: { agency: { type: 'string' }, json: { type: 'boolean', default: false } } });
    const agencyCode = agencyArgument(required(values, 'agency'));
    return async (deps, progress) => {
      const { db, config, ingestion } = deps;
      const replay = async () => {
        const configured = config.agencies.find((a) => a.code === agencyCode);
        if (!configured || !(await findAgency(db, agencyCode)))
          throw new UsageError(
            `--agency ${agencyCode} is not a configured and registered agency (configured: ${config.agencies.map((a) => a.code).join(', ')})`,
          );
        const open = await countQuarantine(db, agencyCode, 'OPEN');
        const mappings = new Map(configured.sources.map((source, index) => [connectorName(source, index), source.mapping] as const));
        progress(`quarantine of ${agencyCode}`, 'entries', 0, open);
        return replayQuarantine(ingestion, agencyCode, mappings, (examined) => {
          progress(`quarantine of ${agencyCode}`, 'entries', examined, open);
        });
      };
      const totals = await withOperatorEntry(deps, 'operator quarantine replay', () => [`agency:${agencyCode}`], replay);
      return done(
        values.json
          ? JSON.stringify(totals)
          : `replayed the open quarantine of ${agencyCode}: ${totals.examined} examined, ${totals.replayed} now pass and are stored (${totals.inserted} inserted, ${totals.updated} updated), ${totals.stillRejected} still refused`,
      );
    };
  },
};

/** `draw verify ID`: exit 0 the draw is what its inputs give, 1 it differs or cannot be verified. */
const verifyDraw: OperatorCommand = {
  name: 'draw verify',
  prepare(args) {
    const { positionals } = parseArgs({ args: [...args], allowPositionals: true });
    const id = firstPositional(positionals, 'draw verify needs the draw id (e.g. SJCC-2027-000001)');
    if (!/^[A-Z]{2,8}-\d{4}-\d{1,9}$/.test(id)) throw new UsageError(`draw id "${id.slice(0, 40)}" is not a draw id such as SJCC-2027-000001`);
    return async ({ db }) => {
      const lines: string[] = [];
      const exitCode = await verifyDrawCommand(db, id, (line) => lines.push(line));
      return { lines, exitCode };
    };
  },
};

export const DATA_COMMANDS: readonly OperatorCommand[] = [importCommand, replayCommand, verifyDraw];
