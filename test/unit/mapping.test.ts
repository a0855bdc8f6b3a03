import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { describeIssues } from '../../config/config-error.js';
import { hubConfigSchema } from '../../server/hub-config.js';
import { mappingSchema } from '../../connectors/mapping-schema.js';
import { applyMapping, type MappedRow } from '../../connectors/mapping.js';
import { DEFAULT_PUBLICATION_RULES } from '../../ingestion/publication.js';
import { validateRecord, type ValidationContext } from '../../ingestion/validate-record.js';
import { MIXED_FEED_MAPPING, penaltyRow, permitRow } from '../support/mixed-feed.js';
import { AUTHORITY_USCC, enterpriseUscc } from '../support/records.js';

const context: ValidationContext = { today: '2024-06-01', publication: DEFAULT_PUBLICATION_RULES, acceptedChecksumFailures: new Set() };
const mixed = mappingSchema.parse(MIXED_FEED_MAPPING);

function recordOf(mapped: MappedRow) {
  if (!mapped.ok) throw new Error(`expected a mapped record: ${JSON.stringify(mapped.rejected.rejections)}`);
  return mapped.record;
}
function rejectionsOf(mapped: MappedRow) {
  if (mapped.ok) throw new Error('expected a refused row');
  return mapped.rejected.rejections;
}

describe('applyMapping: a feed mixing kinds', () => {
  test('shared agency columns go to each kind’s own standard columns, with its values and the defaults written once', () => {
    const penalty = recordOf(applyMapping(penaltyRow('1'), mixed, 'agency-api'));
    expect(penalty.kind).toBe('PENALTY');
    expect(penalty.fields).toEqual({
      CF_XDR_MC: '上海示例贸易有限公司',
      CF_XDR_LB: '02',
      CF_XDR_SHXYM: enterpriseUscc('310115', 501),
      CF_FRDB: '李四',
      CF_WSH: '沪市监处〔2024〕1号',
      CF_JDRQ: '2024-03-15',
      CF_CFJG: '上海市市场监督管理局',
      CF_CFJGDM: AUTHORITY_USCC,
      CF_WFXW: '虚假宣传',
      CF_SY: '经查，当事人在网站发布虚假广告。',
      CF_YJ: '《中华人民共和国反不正当竞争法》第二十条',
      CF_CFLB: '罚款',
      CF_NR: '罚款人民币5万元',
      CF_NR_FK: '5',
      CF_YXQ: '2024-03-15',
      CF_SJLY: '上海市市场监督管理局',
      CF_SJLYDM: AUTHORITY_USCC,
    });
    const permit = recordOf(applyMapping(permitRow('2'), mixed, 'agency-api'));
    expect(permit.kind).toBe('PERMIT');
    expect(permit.fields).toEqual({
      XK_XDR_MC: '上海示例贸易有限公司',
      XK_XDR_LB: '02',
      XK_XDR_SHXYM: enterpriseUscc('310115', 501),
      XK_FRDB: '李四',
      XK_WSH: '沪市监许〔2024〕2号',
      XK_JDRQ: '2024-01-10',
      XK_XKJG: '上海市市场监督管理局',
      XK_XKJGDM: AUTHORITY_USCC,
      XK_XKLB: '普通',
      XK_NR: '食品经营',
      XK_YXQZ: '2024-01-10',
      XK_YXQZI: '2029-01-09',
      XK_LYDW: '上海市市场监督管理局',
      XK_LYDWDM: AUTHORITY_USCC,
    });
    expect(validateRecord(penalty, context).ok).toBe(true);
    expect(validateRecord(permit, context).ok).toBe(true);
    // The agency's numeric kind codes map the same way.
    expect(recordOf(applyMapping(penaltyRow('3', { lx: '1' }), mixed, 'agency-api')).kind).toBe('PENALTY');
  });

  test('an unknown or missing kind code is refused naming the column, the rule and the value', () => {
    expect(rejectionsOf(applyMapping(penaltyRow('4', { lx: 'XZQZ' }), mixed, 'agency-api'))).toEqual([
      { field: 'lx', rule: 'KIND_CODE', value: 'XZQZ', message: 'kind code in column lx is not one of mapping.kindValues (1, 2, XZCF, XZXK)' },
    ]);
    expect(rejectionsOf(applyMapping(penaltyRow('5', { lx: ' ' }), mixed, 'agency-api'))).toEqual([
      expect.objectContaining({ field: 'lx', rule: 'REQUIRED', value: null }),
    ]);
    // A kind code is a code: full-width and padded, it is still read.
    expect(recordOf(applyMapping(penaltyRow('6', { lx: ' ＸＺＣＦ ' }), mixed, 'agency-api')).kind).toBe('PENALTY');
  });

  test('a column only another kind maps is no drift while empty, and a quarantine reason when it holds a value', () => {
    expect(rejectionsOf(applyMapping(permitRow('7', { fkje: '3' }), mixed, 'agency-api'))).toEqual([
      expect.objectContaining({
        field: 'fkje',
        rule: 'UNMAPPED_COLUMN',
        message: 'column fkje is mapped for another kind only, and this PERMIT row has a value in it',
      }),
    ]);
    expect(rejectionsOf(applyMapping({ ...permitRow('8'), sjly_v2: '' }, mixed, 'agency-api'))).toEqual([
      expect.objectContaining({ field: 'sjly_v2', rule: 'UNMAPPED_COLUMN' }),
    ]);
  });

  test('a kind’s entries win over the top level: a column it maps is taken even where the top level ignores it', () => {
    const mapping = mappingSchema.parse({
      kindColumn: 'lx',
      kindValues: { XZCF: 'PENALTY' },
      ignoreColumns: ['bz'],
      columns: { remark: 'BZ' },
      byKind: { PENALTY: { columns: { bz: 'BZ' }, ignoreColumns: ['remark'] } },
    });
    const record = recordOf(applyMapping({ lx: 'XZCF', bz: '当事人已缴纳罚款', remark: 'x' }, mapping, 'agency-api'));
    expect(record.fields).toEqual({ BZ: '当事人已缴纳罚款' });
  });

  test('without kindValues the kind column holds record kinds, read as validation reads them, and byKind applies', () => {
    const mapping = mappingSchema.parse({ kindColumn: 'kind', byKind: { PENALTY: { columns: { wsh: 'CF_WSH' } }, PERMIT: { columns: { wsh: 'XK_WSH' } } } });
    expect(recordOf(applyMapping({ kind: ' penalty', wsh: 'A1' }, mapping, 'agency-api')).fields).toEqual({ CF_WSH: 'A1' });
    expect(recordOf(applyMapping({ kind: 'PERMIT', wsh: 'A2' }, mapping, 'agency-api')).fields).toEqual({ XK_WSH: 'A2' });
  });

  test('values are passed on as sent; only code lookups and date rewriting read their normal form', () => {
    const record = recordOf(
      applyMapping(
        penaltyRow('9', { wfss: '  经查，当事人（ＡＢＣ公司）', cflb: '０２', jdrq: '15/03/2024' }),
        { ...mixed, dateFormat: 'DD/MM/YYYY' },
        'agency-api',
      ),
    );
    expect(record.fields).toMatchObject({ CF_SY: '  经查，当事人（ＡＢＣ公司）', CF_CFLB: '罚款', CF_JDRQ: '2024-03-15' });
  });
});

describe('mapping configuration', () => {
  const problems = (mapping: unknown): string => {
    const parsed = mappingSchema.safeParse(mapping);
    if (parsed.success) throw new Error('expected the mapping to be refused');
    return describeIssues(parsed.error);
  };

  test('a default for a column that decides status or period is refused, naming the key and why', () => {
    const text = problems({ kind: 'PENALTY', defaults: { CF_YXQ: '2099-12-31', CF_SJLY: '市监局' } });
    expect(text).toBe(
      "  - defaults.CF_YXQ: CF_YXQ (处罚有效期) decides a record's status or period: a default would give every record that lacks it the same value and change what the record means. " +
        'Leave it out: the hub derives it where the rules allow and otherwise quarantines the record (README, Required fields)',
    );
    expect(problems({ kindColumn: 'lx', kindValues: { XZXK: 'PERMIT' }, byKind: { PERMIT: { defaults: { XK_YXQZI: '2099-12-31', XK_ZT: '1' } } } })).toMatch(
      /byKind\.PERMIT\.defaults\.XK_YXQZI: XK_YXQZI \(有效期至\) decides.*\n.*byKind\.PERMIT\.defaults\.XK_ZT: XK_ZT \(当前状态\) decides/,
    );
    for (const code of ['CF_GSJZQ', 'CF_JDRQ', 'CF_ZT'])
      expect(problems({ kind: 'PENALTY', defaults: { [code]: '1' } })).toContain(`defaults.${code}: ${code}`);
    for (const code of ['MD_YXQZ', 'MD_YCRQ', 'MD_ZT'])
      expect(problems({ kind: 'BLACK_LIST', defaults: { [code]: '1' } })).toContain(`defaults.${code}: ${code}`);
  });

  test('the whole config names the source of a refused mapping', () => {
    const config = {
      hub: { id: 'hub-sh', region: '310000' },
      agencies: [
        {
          code: 'SH-SAMR',
          name: 'x',
          region: '310000',
          uscc: AUTHORITY_USCC,
          sources: [{ type: 'file-drop', folder: 'drop', mapping: { kind: 'PENALTY', defaults: { CF_YXQ: '2099-12-31' } } }],
        },
      ],
    };
    const parsed = hubConfigSchema.safeParse(config);
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(describeIssues(parsed.error)).toContain("agencies.0.sources.0.mapping.defaults.CF_YXQ: CF_YXQ (处罚有效期) decides a record's status or period");
  });

  test('kind codes translate to record kinds only, and per-kind rules name their own kind’s columns', () => {
    expect(problems({ kindColumn: 'lx', kindValues: { XZCF: 'FINE' } })).toContain('kindValues.XZCF');
    expect(problems({ kind: 'PENALTY', kindValues: { XZCF: 'PENALTY' } })).toContain(
      'kindValues: kindValues translates the codes of kindColumn: set kindColumn',
    );
    expect(problems({ kindColumn: 'lx', kindValues: { XZCF: 'PENALTY' }, byKind: { PERMIT: {} } })).toContain(
      'byKind.PERMIT: no row can be PERMIT: no code in kindValues maps to it',
    );
    expect(problems({ kindColumn: 'lx', byKind: { PENALTIES: {} } })).toContain('byKind: Unrecognized key: "PENALTIES"');
    expect(problems({ kindColumn: 'lx', byKind: { PERMIT: { columns: { dsr_mc: 'CF_XDR_MC' } } } })).toContain(
      'byKind.PERMIT.columns.dsr_mc: CF_XDR_MC is not a standard column of PERMIT',
    );
    expect(problems({ kind: 'PENALTY', values: { XK_XKLB: {} } })).toContain('values.XK_XKLB: XK_XKLB is not a standard column of PENALTY');
    expect(mappingSchema.safeParse(MIXED_FEED_MAPPING).success).toBe(true);
  });

  test('the README’s mixed-feed mapping is valid and is the one the mixed-feed tests run', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /#### A feed that mixes kinds[\s\S]*?```jsonc\n"mapping": ([\s\S]*?)\n```/.exec(readme)?.[1];
    const documented = mappingSchema.parse(JSON.parse((block ?? '').replace(/\s+\/\/.*$/gm, '')));
    const { defaults: _documentedDefaults, ...rules } = documented;
    const { defaults: _testDefaults, ...tested } = mixed;
    expect(rules).toEqual(tested);
  });
});
