import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be an ISO date YYYY-MM-DD');
const wan = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be an amount in 万元 as a decimal string, e.g. "1"');

/** Months a record must have been public before its repair may end it early, per severity tier. */
const minimumMonths = z
  .object({
    /** 轻微: a penalty of only 警告, 通报批评 and fines up to `minorFineMaxWan`. */
    MINOR: z.number().int().min(0).max(120).default(3),
    /** 一般: any other penalty, and an abnormal-operation entry. */
    GENERAL: z.number().int().min(0).max(120).default(3),
    /** 严重: a penalty of a severe type (`severePenaltyTypes`), and a black-list entry. */
    SEVERE: z.number().int().min(0).max(120).default(12),
  })
  .strict();

/**
 * Credit repair (信用修复) and objections (异议): the eligibility rules of a repair request and the
 * due dates of an objection. Defaults follow 国家发展改革委令第58号 and the 2025 national tiers
 * (轻微 published ≤ 3 months, 一般 3 months–1 year, 严重 1–3 years: the minimum of each range), see README.
 */
export const repairSchema = z
  .object({
    minimumMonths: minimumMonths.prefault({}),
    /** A fine up to this amount (万元), with no penalty type beyond 警告 and 通报批评, is 轻微. */
    minorFineMaxWan: wan.default('1'),
    /** Penalty types that make a penalty 严重 (and so need the SEVERE minimum). */
    severePenaltyTypes: z.array(z.string().min(1).max(20)).max(20).default(['暂扣许可证件', '限制开展生产经营活动', '行政拘留']),
    /** Penalty types whose publication is never ended early by repair. */
    neverEligiblePenaltyTypes: z.array(z.string().min(1).max(20)).max(20).default(['责令停产停业', '吊销许可证件', '限制从业', '降低资质等级', '责令关闭']),
    objections: z
      .object({
        /** Working days (Mon–Fri, less `holidays`) the source agency has to answer an objection. */
        dueWorkingDays: z.number().int().min(1).max(60).default(5),
        /** Working days from filing once the objection has been extended (at most once). */
        extendedWorkingDays: z.number().int().min(1).max(120).default(20),
        /** Public holidays (China dates) that are not working days; none by default. */
        holidays: z.array(isoDate).max(400).default([]),
        /** Weekend days that are working days (调休), China dates; none by default. */
        extraWorkingDays: z.array(isoDate).max(100).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type RepairConfig = z.infer<typeof repairSchema>;
