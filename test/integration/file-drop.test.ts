import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import iconv from 'iconv-lite';
import { mappingSchema } from '../../connectors/mapping-schema.js';
import { createFileDropConnector } from '../../connectors/file-drop/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerTestAgencies, testConnectorDeps } from '../support/ingestion.js';
import { AUTHORITY_USCC, enterpriseUscc, penaltyRecord } from '../support/records.js';

let database: TestDatabase;
let folder: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
  folder = await mkdtemp(join(tmpdir(), 'hub-drop-'));
});
afterAll(async () => {
  await database.dispose();
  await rm(folder, { recursive: true, force: true });
});

function connectorFor(dir: string, mapping: unknown, afterRun: 'keep' | 'move' = 'keep', encoding: 'utf-8' | 'gb18030' = 'utf-8') {
  return createFileDropConnector(
    'SH-SAMR',
    'file-drop-1',
    { type: 'file-drop', folder: dir, afterRun, encoding, mapping: mappingSchema.parse(mapping) },
    testConnectorDeps(database.db),
  );
}

const LEGACY_HEADER = '编号,名称,类别,信用代码,法人,文号,违法类型,事由,依据,处罚类别1,处罚类别2,结果,罚款,日期,有效期,机关,机关代码,来源,来源代码';
const LEGACY_MAPPING = {
  kind: 'PENALTY',
  sourceRecordIdColumn: '编号',
  columns: {
    名称: 'CF_XDR_MC',
    类别: 'CF_XDR_LB',
    信用代码: 'CF_XDR_SHXYM',
    法人: 'CF_FRDB',
    文号: 'CF_WSH',
    违法类型: 'CF_WFXW',
    事由: 'CF_SY',
    依据: 'CF_YJ',
    处罚类别1: 'CF_CFLB',
    处罚类别2: 'CF_CFLB',
    结果: 'CF_NR',
    罚款: 'CF_NR_FK',
    日期: 'CF_JDRQ',
    有效期: 'CF_YXQ',
    机关: 'CF_CFJG',
    机关代码: 'CF_CFJGDM',
    来源: 'CF_SJLY',
    来源代码: 'CF_SJLYDM',
  },
  values: { CF_CFLB: { '01': '警告', '02': '罚款' } },
};

function legacyLine(id: string, uscc: string, date: string, extra = ''): string {
  return `${id},"上海""引号""测试有限公司",法人,${uscc},王五,沪罚〔2024〕${id}号,虚假宣传,"事实,含逗号",依据,01,02,罚款,"1,234.5",${date},2099-12-31,市监局,${AUTHORITY_USCC},市监局,${AUTHORITY_USCC}${extra}`;
}

describe('file-drop connector', () => {
  test('CSV with BOM and legacy columns: mapped, code tables applied, bad rows quarantined, good rows kept', async () => {
    const dir = join(folder, 'csv');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const csv = [
      LEGACY_HEADER,
      legacyLine('A1', enterpriseUscc('310115', 11), '2024/1/5'),
      legacyLine('A2', enterpriseUscc('310115', 12), '2024年2月30日'),
      legacyLine('A3', enterpriseUscc('310115', 13), '20240107'),
    ].join('\r\n');
    await writeFile(join(dir, 'a.csv'), `\uFEFF${csv}\r\n`);
    const totals = await connectorFor(dir, LEGACY_MAPPING).run();
    expect(totals).toMatchObject({ received: 3, inserted: 2, rejected: 1 });
    const row = await database.db.selectFrom('records').selectAll().where('source_record_id', '=', 'A1').executeTakeFirstOrThrow();
    expect(row.fields['CF_CFLB']).toEqual(['警告', '罚款']);
    expect(row.fields['CF_NR_FK']).toBe('1234.500000');
    expect(row.fields['CF_XDR_MC']).toBe('上海"引号"测试有限公司');
    expect(row.event_date).toBe('2024-01-05');
    const rejected = await database.db.selectFrom('quarantine').select(['reasons']).where('source_record_id', '=', 'A2').executeTakeFirstOrThrow();
    expect(rejected.reasons).toEqual([expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE', value: '2024年2月30日' })]);
  });

  test('JSON Lines without BOM: malformed lines and unmapped columns are quarantined with their reason', async () => {
    const dir = join(folder, 'jsonl');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const good = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 21) }, 'J1');
    const drifted = { kind: 'PENALTY', sourceRecordId: 'J3', ...penaltyRecord({}, 'J3').fields, decision_date_v2: '2024-01-01' };
    const lines = [
      JSON.stringify({ kind: good.kind, sourceRecordId: 'J1', ...good.fields }),
      '{"kind": "PENALTY", broken',
      '',
      JSON.stringify(drifted),
      '[1,2]',
    ];
    await writeFile(join(dir, 'b.jsonl'), `${lines.join('\n')}\n`);
    const totals = await connectorFor(dir, { kindColumn: 'kind', sourceRecordIdColumn: 'sourceRecordId' }).run();
    expect(totals).toMatchObject({ received: 4, inserted: 1, rejected: 3 });
    const reasons = (await database.db.selectFrom('quarantine').select('reasons').orderBy('id', 'desc').limit(3).execute()).flatMap((r) => r.reasons);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'line 2', rule: 'SYNTAX' }),
        expect.objectContaining({ field: 'line 5', rule: 'SYNTAX', message: 'line is not a JSON object' }),
        expect.objectContaining({ field: 'decision_date_v2', rule: 'UNMAPPED_COLUMN' }),
      ]),
    );
  });

  test('a large file is streamed in batches with flat memory', async () => {
    const dir = join(folder, 'large');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const rows = 12_000;
    const lines: string[] = [];
    for (let i = 0; i < rows; i++) {
      const record = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 1000 + (i % 500)), CF_WSH: `沪罚〔2024〕L${i}号` }, `L${i}`);
      lines.push(JSON.stringify({ kind: 'PENALTY', sourceRecordId: `L${i}`, ...record.fields }));
    }
    await writeFile(join(dir, 'big.jsonl'), `${lines.join('\n')}\n`);
    const totals = await connectorFor(dir, { kindColumn: 'kind', sourceRecordIdColumn: 'sourceRecordId' }).run();
    expect(totals).toMatchObject({ received: rows, inserted: rows, rejected: 0, batches: 6 });
  });

  test('with afterRun move, read files go to processed/, unreadable ones to failed/, and the next run finds nothing new', async () => {
    const dir = join(folder, 'move');
    await mkdir(dir);
    await writeFile(join(dir, '1-good.csv'), `${LEGACY_HEADER}\n${legacyLine('M1', enterpriseUscc('310115', 31), '2024-03-01')}\n`);
    await writeFile(join(dir, '2-broken.csv'), `${LEGACY_HEADER}\n${legacyLine('M2', enterpriseUscc('310115', 32), '2024-03-01')}\nM3,"unclosed quote\n`);
    await mkdir(join(dir, 'notes.csv')); // a folder that looks like a file is not read
    const first = await connectorFor(dir, LEGACY_MAPPING, 'move').run();
    expect(first).toMatchObject({ inserted: 1 });
    expect((await readdir(join(dir, 'processed'))).map((n) => n.replace(/^.*Z-/, ''))).toEqual(['1-good.csv']);
    expect((await readdir(join(dir, 'failed'))).map((n) => n.replace(/^.*Z-/, ''))).toEqual(['2-broken.csv']);
    expect(await readdir(dir)).toEqual(expect.not.arrayContaining(['1-good.csv', '2-broken.csv']));
    expect(await connectorFor(dir, LEGACY_MAPPING, 'move').run()).toMatchObject({ received: 0 });
  });

  test('a GBK / GB18030 export is read with "encoding": "gb18030", CSV and JSON Lines', async () => {
    const csvDir = join(folder, 'gbk-csv');
    const jsonDir = join(folder, 'gbk-jsonl');
    await Promise.all([mkdir(csvDir), mkdir(jsonDir)]);
    await writeFile(
      join(csvDir, 'a.csv'),
      iconv.encode(`${LEGACY_HEADER}\r\n${legacyLine('G1', enterpriseUscc('310115', 41), '2024年3月1日')}\r\n`, 'gb18030'),
    );
    const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 42), CF_XDR_MC: '上海𠮷祥餐饮有限公司' }, 'G2');
    await writeFile(join(jsonDir, 'b.jsonl'), iconv.encode(`${JSON.stringify({ id: 'G2', ...fields })}\n`, 'gb18030'));
    expect(await connectorFor(csvDir, LEGACY_MAPPING, 'keep', 'gb18030').run()).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await connectorFor(jsonDir, { kind: 'PENALTY', sourceRecordIdColumn: 'id' }, 'keep', 'gb18030').run()).toMatchObject({ inserted: 1, rejected: 0 });
    const names = await database.db
      .selectFrom('records')
      .select(['source_record_id', 'subject_name'])
      .where('source_record_id', 'in', ['G1', 'G2'])
      .orderBy('source_record_id')
      .execute();
    expect(names).toEqual([
      { source_record_id: 'G1', subject_name: '上海"引号"测试有限公司' },
      // A character outside GBK, which GB18030 still encodes.
      { source_record_id: 'G2', subject_name: '上海𠮷祥餐饮有限公司' },
    ]);
  });

  test('a GBK file read as UTF-8 is refused whole: nothing garbled is stored, the reason is in the quarantine, the file in failed/', async () => {
    const dir = join(folder, 'wrong-encoding');
    await mkdir(dir);
    await writeFile(join(dir, 'export.csv'), iconv.encode(`${LEGACY_HEADER}\r\n${legacyLine('W1', enterpriseUscc('310115', 51), '2024-03-01')}\r\n`, 'gbk'));
    expect(await connectorFor(dir, LEGACY_MAPPING, 'move').run()).toMatchObject({ received: 1, inserted: 0, rejected: 1 });
    expect(await database.db.selectFrom('records').select('id').where('source_record_id', '=', 'W1').execute()).toEqual([]);
    const entry = await database.db.selectFrom('quarantine').select(['payload', 'reasons']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(entry.payload).toEqual({ file: 'export.csv' });
    expect(entry.reasons).toEqual([
      expect.objectContaining({
        field: 'file',
        rule: 'ENCODING',
        value: 'export.csv',
        message: expect.stringContaining('not valid UTF-8 near byte 0: an export in GBK or GB18030 needs "encoding": "gb18030"'),
      }),
    ]);
    expect((await readdir(join(dir, 'failed'))).map((n) => n.replace(/^.*Z-/, ''))).toEqual(['export.csv']);
  });

  test('the mapping’s defaultRegion is the region of subjects whose USCC names no province', async () => {
    const dir = join(folder, 'default-region');
    await mkdir(dir);
    const national = enterpriseUscc('100000', 61);
    await writeFile(join(dir, 'a.csv'), `${LEGACY_HEADER}\n${legacyLine('R1', national, '2024-03-01')}\n`);
    expect(await connectorFor(dir, { ...LEGACY_MAPPING, defaultRegion: '320000' }).run()).toMatchObject({ inserted: 1 });
    expect(await database.db.selectFrom('subjects').select('region').where('uscc', '=', national).executeTakeFirstOrThrow()).toEqual({ region: '320000' });
  });
});
