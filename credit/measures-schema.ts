import { z } from 'zod';
import { RECORD_KINDS, standardColumn } from '../ingestion/record-kinds.js';

const CREDIT_CLASSES = ['A', 'B', 'C', 'D'] as const;
const PENALTY_TYPES = Object.keys(standardColumn('PENALTY', 'CF_CFLB')?.values ?? {});

/**
 * What a measure looks at: records in force (ACTIVE) of any of `kinds` — for PENALTY, only those of
 * one of `penaltyTypes` when any are given — or a credit grade of any of `classes`.
 */
const conditionSchema = z
  .object({
    kinds: z.array(z.enum(RECORD_KINDS)).max(RECORD_KINDS.length).default([]),
    classes: z.array(z.enum(CREDIT_CLASSES)).max(CREDIT_CLASSES.length).default([]),
    /** 处罚类别 (CF_CFLB) a penalty must carry to count; empty: every penalty. Only with kind PENALTY. */
    penaltyTypes: z
      .array(z.string().refine((type) => PENALTY_TYPES.includes(type), { error: `must be a 处罚类别 of the standard (${PENALTY_TYPES.join(', ')})` }))
      .max(PENALTY_TYPES.length)
      .default([]),
  })
  .strict()
  .refine((c) => c.penaltyTypes.length === 0 || c.kinds.includes('PENALTY'), {
    error: 'penaltyTypes needs kind PENALTY among kinds',
    path: ['penaltyTypes'],
  });

/** The most measures a catalogue holds (the national basic list of 2021 has 14 kinds of measures). */
export const MAX_MEASURES = 30;

const text = (max: number) => z.string().trim().min(1, 'is required').max(max);

/** One measure of the 联合奖惩 catalogue, as the national basic list of measures states it. */
const measureSchema = z
  .object({
    code: z.string().regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'must be 2-40 characters of A-Z, 0-9 and _, starting with a letter'),
    name: text(200),
    /** PUNISHMENT (失信惩戒) or INCENTIVE (守信激励). */
    type: z.enum(['PUNISHMENT', 'INCENTIVE']),
    /** The measure applies when any of these holds. */
    triggers: conditionSchema.refine((c) => c.kinds.length + c.classes.length > 0, { error: 'name at least one kind or class' }),
    /** It never applies while any of these holds (e.g. an incentive is not for a black-listed subject). */
    excludedBy: conditionSchema.prefault({}),
    /** The law, regulation or State Council document the measure rests on. */
    legalBasis: text(1000),
    /** Who applies it. */
    implementingAgency: text(200),
    description: z.string().trim().max(1000).optional(),
  })
  .strict();

const NATIONAL_GUIDANCE = '《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》(国发〔2016〕33号)';
const NEW_SUPERVISION = '《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》(国办发〔2019〕35号)';

/** The default catalogue, after the national basic list of measures (全国失信惩戒措施基础清单) and the State Council guidance. */
export const DEFAULT_MEASURES: z.input<typeof measureSchema>[] = [
  {
    code: 'GOV_PROCUREMENT_BAN',
    name: '限制参加政府采购活动',
    type: 'PUNISHMENT',
    triggers: { kinds: ['BLACK_LIST', 'PENALTY'], penaltyTypes: ['责令停产停业', '吊销许可证件', '责令关闭'] },
    legalBasis: '《中华人民共和国政府采购法》第二十二条；《中华人民共和国政府采购法实施条例》第十九条',
    implementingAgency: '各级财政部门、采购人及采购代理机构',
    description: '严重失信主体，或三年内有责令停产停业、吊销许可证件等重大违法记录的，不得参加政府采购活动。',
  },
  {
    code: 'FISCAL_FUNDS_LIMIT',
    name: '限制申请财政性资金项目和政策性补贴',
    type: 'PUNISHMENT',
    triggers: { kinds: ['BLACK_LIST'], classes: ['D'] },
    legalBasis: NATIONAL_GUIDANCE,
    implementingAgency: '各级发展改革、财政部门及资金主管部门',
  },
  {
    code: 'NO_COMMITMENT_APPROVAL',
    name: '不适用告知承诺制',
    type: 'PUNISHMENT',
    triggers: { kinds: ['BLACK_LIST'], classes: ['D'] },
    legalBasis: '《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》(国办发〔2020〕42号)',
    implementingAgency: '各级行政审批部门',
    description: '有严重失信记录或信用等级差的申请人，不适用告知承诺，须提交全部材料。',
  },
  {
    code: 'KEY_SUPERVISION',
    name: '列为重点监管对象，提高抽查比例和频次',
    type: 'PUNISHMENT',
    triggers: { kinds: ['BLACK_LIST', 'ABNORMAL_OPERATION'], classes: ['D'] },
    legalBasis: `《企业信息公示暂行条例》第十八条；${NEW_SUPERVISION}`,
    implementingAgency: '各级市场监督管理部门及行业主管部门',
  },
  {
    code: 'HONOURS_BAN',
    name: '限制授予荣誉称号、参加评先评优',
    type: 'PUNISHMENT',
    triggers: { kinds: ['BLACK_LIST'], classes: ['D'] },
    legalBasis: NATIONAL_GUIDANCE,
    implementingAgency: '各级党政机关、群团组织及评选表彰主办单位',
  },
  {
    code: 'FAST_TRACK_APPROVAL',
    name: '行政审批"绿色通道"和"容缺受理"',
    type: 'INCENTIVE',
    triggers: { kinds: ['RED_LIST'], classes: ['A'] },
    excludedBy: { kinds: ['BLACK_LIST', 'ABNORMAL_OPERATION'], classes: ['D'] },
    legalBasis: NATIONAL_GUIDANCE,
    implementingAgency: '各级行政审批部门',
    description: '守信主体办理行政审批事项可走绿色通道，非关键材料缺失时容缺受理。',
  },
  {
    code: 'FEWER_INSPECTIONS',
    name: '减少抽查频次（无事不扰）',
    type: 'INCENTIVE',
    triggers: { classes: ['A'] },
    excludedBy: { kinds: ['BLACK_LIST', 'ABNORMAL_OPERATION'] },
    legalBasis: `${NEW_SUPERVISION}；《市场监管总局关于推进企业信用风险分类管理进一步提升监管效能的意见》(国市监信发〔2022〕6号)`,
    implementingAgency: '各级市场监督管理部门',
  },
];

/**
 * The 联合奖惩 catalogue (`measures` in the configuration file): every measure the hub may say applies
 * to an enterprise. Codes are unique; a problem stops the start naming its key (`measures.2.legalBasis`).
 */
export const measuresSchema = z
  .array(measureSchema)
  .max(MAX_MEASURES)
  .prefault(DEFAULT_MEASURES)
  .superRefine((measures, ctx) => {
    const seen = new Set<string>();
    measures.forEach((measure, index) => {
      if (seen.has(measure.code)) ctx.addIssue({ code: 'custom', path: [index, 'code'], message: `duplicate measure code ${measure.code}` });
      seen.add(measure.code);
    });
  });
export type MeasureConfig = z.infer<typeof measureSchema>;
export type MeasureCondition = z.infer<typeof conditionSchema>;
