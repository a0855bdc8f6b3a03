import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { stringify } from 'csv-stringify/sync';
import { mappingSchema } from '../../connectors/mapping-schema.js';
import { createFileDropConnector } from '../../connectors/file-drop/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerTestAgencies, testConnectorDeps } from '../support/ingestion.js';
import { MIXED_FEED_COLUMNS, MIXED_FEED_MAPPING, penaltyRow, permitRow } from '../support/mixed-feed.js';
import { enterpriseUscc } from '../support/records.js';

let database: TestDatabase;
let folder: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
  folder = await mkdtemp(join(tmpdir(), 'hub-mixed-'));
});
afterAll(async () => {
  await database.dispose();
  await rm(folder, { recursive: true, force: true });
});

const toFullWidth = (text: string) => text.replace(/[0-9A-Z]/g, (c) => String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0));

describe('a mixed-kind agency feed through one file-drop source', () => {
  test('penalties and permits in pinyin columns are stored with their own codes; unknown kinds and underivable periods are quarantined with the reason', async () => {
    const dir = join(folder, 'feed');
    await mkdir(dir);
    const uscc = enterpriseUscc('310115', 701);
    const rows = [
      // A fine without 处罚有效期, full-width USCC, date and amount, and free text with full-width punctuation.
      penaltyRow('M1', {
        dsr_mc: '上海（青浦）示例贸易有限公司',
        tyshxydm: toFullWidth(uscc),
        jdrq: '２０２４年３月１５日',
        fkje: '１，２３４．５',
        yxq: '',
        wfss: '经查，当事人在网站发布“全网最低价”等虚假广告；违法事实清楚。',
        cfnr: '罚款人民币１２３４．５万元',
      }),
      permitRow('M2', { tyshxydm: uscc, dsr_mc: '上海（青浦）示例贸易有限公司' }),
      penaltyRow('M3', { cflb: '05', cfnr: '责令停产停业', fkje: '', yxq: '' }),
      penaltyRow('M4', { lx: 'XZQZ' }),
    ];
    await writeFile(join(dir, '1-export.csv'), stringify(rows, { header: true, columns: [...MIXED_FEED_COLUMNS], bom: true }));
    // The same feed as JSON: numeric kind codes and amounts.
    await writeFile(join(dir, '2-export.jsonl'), `${JSON.stringify({ ...penaltyRow('M5'), lx: 1, cflb: '01', fkje: 0.5, cfnr: '警告' })}\n`);

    const source = {
      type: 'file-drop' as const,
      folder: dir,
      afterRun: 'keep' as const,
      encoding: 'utf-8' as const,
      mapping: mappingSchema.parse(MIXED_FEED_MAPPING),
    };
    const totals = await createFileDropConnector('SH-SAMR', 'agency-export', source, testConnectorDeps(database.db)).run();
    expect(totals).toMatchObject({ received: 5, inserted: 3, rejected: 2 });

    const stored = await database.db
      .selectFrom('records')
      .select(['source_record_id', 'kind', 'subject_uscc', 'subject_name', 'event_date', 'valid_to', 'publication_end', 'status', 'fields'])
      .where('source_record_id', 'in', ['M1', 'M2', 'M5'])
      .orderBy('source_record_id')
      .execute();
    expect(stored.map((r) => [r.source_record_id, r.kind, r.subject_uscc, r.status])).toEqual([
      ['M1', 'PENALTY', uscc, 'ACTIVE'],
      ['M2', 'PERMIT', uscc, 'ACTIVE'],
      ['M5', 'PENALTY', enterpriseUscc('310115', 501), 'ACTIVE'],
    ]);
    const [fine, permit, warning] = stored;
    expect(fine?.fields).toMatchObject({
      CF_XDR_MC: '上海（青浦）示例贸易有限公司',
      CF_XDR_SHXYM: uscc,
      CF_SY: '经查，当事人在网站发布“全网最低价”等虚假广告；违法事实清楚。',
      CF_NR: '罚款人民币１２３４．５万元',
      CF_NR_FK: '1234.500000',
      CF_JDRQ: '2024-03-15',
      CF_YXQ: '2024-03-15',
      CF_SJLY: '上海市市场监督管理局',
    });
    expect(fine).toMatchObject({
      subject_name: '上海（青浦）示例贸易有限公司',
      event_date: '2024-03-15',
      valid_to: '2024-03-15',
      publication_end: '2027-03-15',
    });
    expect(Object.keys(fine?.fields ?? {}).every((code) => code.startsWith('CF_'))).toBe(true);
    expect(permit?.fields).toMatchObject({
      XK_XDR_MC: '上海（青浦）示例贸易有限公司',
      XK_XDR_LB: '02',
      XK_WSH: '沪市监许〔2024〕M2号',
      XK_XKJGDM: expect.any(String),
      XK_LYDW: '上海市市场监督管理局',
    });
    expect(Object.keys(permit?.fields ?? {}).every((code) => code.startsWith('XK_'))).toBe(true);
    expect(permit).toMatchObject({ valid_to: '2029-01-09' });
    expect(warning?.fields).toMatchObject({ CF_CFLB: ['警告'], CF_NR_FK: '0.500000', CF_YXQ: '2024-03-15' });

    const quarantined = await database.db.selectFrom('quarantine').select(['source_record_id', 'kind', 'reasons']).orderBy('source_record_id').execute();
    expect(quarantined).toEqual([
      {
        source_record_id: 'M3',
        kind: 'PENALTY',
        reasons: [
          {
            field: 'CF_YXQ',
            rule: 'NOT_DERIVABLE',
            value: null,
            message: '处罚有效期 (CF_YXQ) is required for 责令停产停业: a restriction lasts for the period its decision sets, which the hub cannot derive',
          },
        ],
      },
      {
        source_record_id: 'M4',
        kind: 'XZQZ',
        reasons: [{ field: 'lx', rule: 'KIND_CODE', value: 'XZQZ', message: 'kind code in column lx is not one of mapping.kindValues (1, 2, XZCF, XZXK)' }],
      },
    ]);
  });
});
