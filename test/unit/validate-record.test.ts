import { createHash } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_PUBLICATION_RULES } from '../../ingestion/publication.js';
import { validateRecord, type ValidationContext } from '../../ingestion/validate-record.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

const toFullWidth = (text: string) => text.replace(/[0-9A-Z]/g, (c) => String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0));

const context: ValidationContext = { today: '2024-06-01', publication: DEFAULT_PUBLICATION_RULES, acceptedChecksumFailures: new Set() };

function rejectionsOf(result: ReturnType<typeof validateRecord>) {
  if (result.ok) throw new Error('expected a rejection');
  return result.rejections;
}
function recordOf(result: ReturnType<typeof validateRecord>) {
  if (!result.ok) throw new Error(`expected success: ${JSON.stringify(result.rejections)}`);
  return result.record;
}

describe('validateRecord', () => {
  test('a valid penalty is normalised: category code, USCC, amount, derived publication end', () => {
    const record = recordOf(validateRecord(penaltyRecord({ CF_XDR_SHXYM: ` ${toFullWidth(enterpriseUscc('310115', 1)).toLowerCase()} ` }), context));
    expect(record.subjectUscc).toBe(enterpriseUscc('310115', 1));
    expect(record.subjectCategory).toBe('02');
    expect(record.fields['CF_NR_FK']).toBe('5.000000');
    expect(record.fields['CF_CFLB']).toEqual(['罚款']);
    // A 5 万元 fine is above the small-fine threshold: 3 years from the decision.
    expect(record.publicationEnd).toBe('2027-03-15');
    expect(record.status).toBe('ACTIVE');
  });

  test('the content hash stays sha256 of the JSON of [kind, fields], so stored hashes remain comparable', () => {
    const record = recordOf(validateRecord(penaltyRecord(), context));
    expect(JSON.parse(record.fieldsJson)).toEqual(record.fields);
    expect(record.contentHash).toBe(
      createHash('sha256')
        .update(JSON.stringify([record.kind, record.fields]))
        .digest('hex'),
    );
  });

  test('every problem of a record is reported with field, rule and value', () => {
    const rejections = rejectionsOf(
      validateRecord(penaltyRecord({ CF_JDRQ: '2024-02-30', CF_NR_FK: '1.2345678', CF_CFLB: '罚款;打板子', CF_WSH: '', CF_EXTRA: 'x' }), context),
    );
    expect(rejections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE', value: '2024-02-30' }),
        expect.objectContaining({ field: 'CF_NR_FK', rule: 'AMOUNT', value: '1.2345678' }),
        expect.objectContaining({ field: 'CF_CFLB', rule: 'ENUM', value: '罚款;打板子' }),
        expect.objectContaining({ field: 'CF_WSH', rule: 'REQUIRED', value: null }),
        expect.objectContaining({ field: 'CF_EXTRA', rule: 'UNKNOWN_FIELD' }),
      ]),
    );
  });

  test('a USCC failing only its check digit is USCC_CHECKSUM, accepted when allow-listed', () => {
    const pilot = '91350100M000100Y44';
    const rejections = rejectionsOf(validateRecord(penaltyRecord({ CF_XDR_SHXYM: pilot }), context));
    expect(rejections).toEqual([expect.objectContaining({ field: 'CF_XDR_SHXYM', rule: 'USCC_CHECKSUM', value: pilot })]);
    const allowed = recordOf(validateRecord(penaltyRecord({ CF_XDR_SHXYM: pilot }), { ...context, acceptedChecksumFailures: new Set([pilot]) }));
    expect(allowed.subjectUscc).toBe(pilot);
  });

  test('a natural person needs an identity document, has no USCC, and an invalid ID is reported masked', () => {
    const person = penaltyRecord({ CF_XDR_LB: '自然人', CF_XDR_SHXYM: '', CF_FRDB: '', CF_XDR_ZJLX: '身份证', CF_XDR_ZJHM: '110105194912310021' });
    const rejections = rejectionsOf(validateRecord(person, context));
    expect(rejections).toEqual([expect.objectContaining({ field: 'CF_XDR_ZJHM', rule: 'RESIDENT_ID_CHECKSUM', value: '1101**********0021' })]);
    expect(JSON.stringify(rejections)).not.toContain('110105194912310021');
    const valid = recordOf(validateRecord({ ...person, fields: { ...person.fields, CF_XDR_ZJHM: '11010519491231002x' } }, context));
    expect(valid.subjectUscc).toBeNull();
  });

  test('an organisation needs its USCC and legal representative', () => {
    const rejections = rejectionsOf(validateRecord(penaltyRecord({ CF_XDR_SHXYM: '', CF_FRDB: '' }), context));
    expect(rejections.map((r) => [r.field, r.rule])).toEqual([
      ['CF_XDR_SHXYM', 'CONDITIONAL_REQUIRED'],
      ['CF_FRDB', 'CONDITIONAL_REQUIRED'],
    ]);
  });

  test('publication periods: warnings 3 months, safety sectors 1 year, long restrictions set the end', () => {
    const end = (fields: Record<string, unknown>) => recordOf(validateRecord(penaltyRecord(fields), context)).publicationEnd;
    expect(end({ CF_CFLB: '警告', CF_NR_FK: '' })).toBe('2024-06-15');
    expect(end({ CF_CFLB: '罚款', CF_NR_FK: '0.5' })).toBe('2024-06-15');
    expect(end({ CF_CFLB: '警告', CF_NR_FK: '', CF_WFXW: '违反消防安全规定' })).toBe('2025-03-15');
    expect(end({ CF_CFLB: '限制从业', CF_NR_FK: '', CF_YXQ: '2030-01-01' })).toBe('2030-01-01');
    expect(end({ CF_GSJZQ: '2025/1/1' })).toBe('2025-01-01');
  });

  test('status: past publication end is EXPIRED, a revoked permit is REVOKED', () => {
    expect(recordOf(validateRecord(penaltyRecord({ CF_JDRQ: '2020-01-01' }), context)).status).toBe('EXPIRED');
    expect(recordOf(validateRecord(permitRecord({ XK_ZT: '无效' }), context)).status).toBe('REVOKED');
    expect(recordOf(validateRecord(permitRecord({ XK_YXQZI: '2024-05-31' }), context)).status).toBe('EXPIRED');
  });

  test('a list entry is EXPIRED from its removal date on; a permit is ACTIVE through its last valid day', () => {
    const listEntry = (removed: string) => ({
      kind: 'ABNORMAL_OPERATION',
      sourceRecordId: 'L1',
      fields: {
        MD_XDR_MC: '示例有限公司',
        MD_XDR_LB: '02',
        MD_XDR_SHXYM: enterpriseUscc('310115', 9),
        MD_FRDB: '赵六',
        MD_MDMC: '经营异常名录',
        MD_LRYY: '未按期公示年度报告',
        MD_LRRQ: '2024-01-02',
        MD_YCRQ: removed,
        MD_LRJG: '市监局',
        MD_LRJGDM: penaltyRecord().fields['CF_CFJGDM'],
        MD_LYDW: '市监局',
        MD_LYDWDM: penaltyRecord().fields['CF_CFJGDM'],
      },
    });
    expect(recordOf(validateRecord(listEntry('2024-06-01'), context)).status).toBe('EXPIRED');
    expect(recordOf(validateRecord(listEntry('2024-06-02'), context)).status).toBe('ACTIVE');
    expect(recordOf(validateRecord(permitRecord({ XK_YXQZI: '2024-06-01' }), context)).status).toBe('ACTIVE');
  });

  test('a permit valid until before it starts is refused', () => {
    expect(rejectionsOf(validateRecord(permitRecord({ XK_YXQZI: '2023-12-31' }), context))).toEqual([
      expect.objectContaining({ field: 'XK_YXQZI', rule: 'DATE_ORDER' }),
    ]);
  });

  test('a penalty without 处罚有效期 and without a duration is valid from its decision date; its status follows the publication end', () => {
    const fine = recordOf(validateRecord(penaltyRecord({ CF_YXQ: '', CF_CFLB: '罚款;没收违法所得;吊销许可证件' }), context));
    expect(fine.fields['CF_YXQ']).toBe('2024-03-15');
    expect(fine.validTo).toBe('2024-03-15');
    expect(fine.publicationEnd).toBe('2027-03-15');
    expect(fine.status).toBe('ACTIVE');
    // Derived in its layout position, the record hashes as if the agency had sent that date.
    expect(fine.contentHash).toBe(
      recordOf(validateRecord(penaltyRecord({ CF_YXQ: '2024-03-15', CF_CFLB: '罚款;没收违法所得;吊销许可证件' }), context)).contentHash,
    );
    const warning = recordOf(validateRecord(penaltyRecord({ CF_YXQ: undefined, CF_CFLB: '警告', CF_NR_FK: '', CF_JDRQ: '2024-04-02' }), context));
    expect([warning.validTo, warning.publicationEnd, warning.status]).toEqual(['2024-04-02', '2024-07-02', 'ACTIVE']);
  });

  test('a restriction without 处罚有效期 is refused: its period is in the decision only', () => {
    expect(rejectionsOf(validateRecord(penaltyRecord({ CF_YXQ: '', CF_CFLB: '罚款;责令停产停业' }), context))).toEqual([
      {
        field: 'CF_YXQ',
        rule: 'NOT_DERIVABLE',
        value: null,
        message: '处罚有效期 (CF_YXQ) is required for 责令停产停业: a restriction lasts for the period its decision sets, which the hub cannot derive',
      },
    ]);
    expect(rejectionsOf(validateRecord(penaltyRecord({ CF_YXQ: '', CF_CFLB: '限制从业、暂扣许可证件' }), context))).toEqual([
      expect.objectContaining({ field: 'CF_YXQ', rule: 'NOT_DERIVABLE', message: expect.stringContaining('required for 限制从业、暂扣许可证件') }),
    ]);
    // With no readable decision date there is nothing to derive from: that date's own reason is the report.
    expect(rejectionsOf(validateRecord(penaltyRecord({ CF_YXQ: '', CF_JDRQ: '' }), context))).toEqual([
      expect.objectContaining({ field: 'CF_JDRQ', rule: 'REQUIRED' }),
    ]);
  });

  test('free text is stored as sent; identifiers, codes, amounts and dates are normalised', () => {
    const record = recordOf(
      validateRecord(
        penaltyRecord({
          CF_XDR_MC: '上海（浦东）示例科技有限公司 ',
          CF_SY: '　　经查，当事人（ＡＢＣ公司）在网站发布虚假广告；\n　　违法事实清楚。\n',
          CF_NR: ' 罚款人民币５万元',
          CF_XDR_SHXYM: toFullWidth(enterpriseUscc('310115', 1)),
          CF_WSH: '沪市监浦处（２０２４）１号',
          CF_XDR_LB: '０２',
          CF_CFLB: '罚款；警告',
          CF_NR_FK: '１，２３４．５',
          CF_JDRQ: '２０２４年３月１５日',
        }),
        context,
      ),
    );
    expect(record.fields).toMatchObject({
      CF_XDR_MC: '上海（浦东）示例科技有限公司',
      CF_SY: '　　经查，当事人（ＡＢＣ公司）在网站发布虚假广告；\n　　违法事实清楚。',
      CF_NR: '罚款人民币５万元',
      CF_XDR_SHXYM: enterpriseUscc('310115', 1),
      CF_WSH: '沪市监浦处(2024)1号',
      CF_XDR_LB: '02',
      CF_CFLB: ['罚款', '警告'],
      CF_NR_FK: '1234.500000',
      CF_JDRQ: '2024-03-15',
    });
    expect(record.subjectName).toBe('上海（浦东）示例科技有限公司');
    expect(record.sourceRecordId).toBe('CF-0001');
    expect(recordOf(validateRecord({ ...penaltyRecord({ CF_WSH: '沪市监浦处（２０２４）１号' }), sourceRecordId: undefined }, context)).sourceRecordId).toBe(
      '沪市监浦处(2024)1号',
    );
    expect(rejectionsOf(validateRecord(penaltyRecord({ CF_SY: '　 \n' }), context))).toEqual([expect.objectContaining({ field: 'CF_SY', rule: 'REQUIRED' })]);
  });

  test('an unknown kind is refused', () => {
    expect(rejectionsOf(validateRecord({ kind: 'GOSSIP', fields: {} }, context))).toEqual([expect.objectContaining({ field: 'kind', rule: 'ENUM' })]);
  });
});
