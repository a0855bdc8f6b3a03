/**
 * The 双公示 standard columns per record kind. Permits and penalties use the national column codes
 * (XK_*, CF_*); the three lists have no national column set, so the hub defines one (MD_*) in the
 * same style, and so does the inspection result of a 双随机 draw (JC_*). One table drives validation,
 * storage (JSONB keyed by code) and the API mapping.
 */
export const RECORD_KINDS = ['PERMIT', 'PENALTY', 'RED_LIST', 'BLACK_LIST', 'ABNORMAL_OPERATION', 'INSPECTION'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const RECORD_STATUSES = ['ACTIVE', 'EXPIRED', 'REVOKED', 'REPAIRED', 'DISPUTED'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/**
 * How a column's value is read. `text` is free text, stored as sent (only whitespace at its ends
 * removed); every other type is normalised: `identifier` (registration and document numbers, document
 * types) to half-width and trimmed, the others parsed into their canonical form.
 */
export type FieldType = 'text' | 'identifier' | 'date' | 'amountWan' | 'uscc' | 'enum' | 'enumList' | 'identityNumber';

export interface FieldSpec {
  readonly code: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required?: boolean;
  readonly maxLength?: number;
  /** For enum fields: accepted spellings → canonical value. */
  readonly values?: Readonly<Record<string, string>>;
  /** For coded enum fields: canonical value → its meaning, shown beside the code (`02` → 法人). */
  readonly valueLabels?: Readonly<Record<string, string>>;
  /**
   * Required, but derived from the record's other columns when the source omits it, where the rules
   * allow: by which rule (validate-record.ts).
   */
  readonly derivedBy?: 'penaltyValidity';
}

/** 行政相对人类别 (01 自然人, 02 法人, 03 非法人组织, 04 个体工商户); agencies send codes or names. */
export const SUBJECT_CATEGORIES: Readonly<Record<string, string>> = {
  '01': '01',
  自然人: '01',
  '02': '02',
  法人: '02',
  法人及非法人组织: '02',
  '03': '03',
  非法人组织: '03',
  '04': '04',
  个体工商户: '04',
};
export const NATURAL_PERSON = '01';
const SUBJECT_CATEGORY_LABELS: Readonly<Record<string, string>> = { '01': '自然人', '02': '法人', '03': '非法人组织', '04': '个体工商户' };
/** What the canonical values of the 当前状态 columns mean. */
const STATUS_COLUMN_LABELS: Readonly<Record<string, string>> = { ACTIVE: '有效', REVOKED: '无效' };

const PENALTY_TYPES = [
  '警告',
  '通报批评',
  '罚款',
  '没收违法所得',
  '没收非法财物',
  '暂扣许可证件',
  '降低资质等级',
  '吊销许可证件',
  '限制开展生产经营活动',
  '责令停产停业',
  '责令关闭',
  '限制从业',
  '行政拘留',
  '其他',
] as const;
export const MINOR_PENALTY_TYPES: ReadonlySet<string> = new Set(['警告', '通报批评']);
/** Penalty types that last for a period; their end can extend publication beyond 3 years. */
export const RESTRICTION_PENALTY_TYPES: ReadonlySet<string> = new Set(['暂扣许可证件', '降低资质等级', '限制开展生产经营活动', '责令停产停业', '限制从业']);

const identity = (values: readonly string[]): Record<string, string> => Object.fromEntries(values.map((v) => [v, v]));

function subjectFields(prefix: string): FieldSpec[] {
  return [
    { code: `${prefix}_XDR_MC`, label: '行政相对人名称', type: 'text', required: true, maxLength: 200 },
    { code: `${prefix}_XDR_LB`, label: '行政相对人类别', type: 'enum', required: true, values: SUBJECT_CATEGORIES, valueLabels: SUBJECT_CATEGORY_LABELS },
    { code: `${prefix}_XDR_SHXYM`, label: '统一社会信用代码', type: 'uscc' },
    { code: `${prefix}_XDR_GSZC`, label: '工商注册号', type: 'identifier', maxLength: 50 },
    { code: `${prefix}_XDR_ZZJG`, label: '组织机构代码', type: 'identifier', maxLength: 50 },
    { code: `${prefix}_XDR_SWDJ`, label: '税务登记号', type: 'identifier', maxLength: 50 },
    { code: `${prefix}_XDR_SYDW`, label: '事业单位证书号', type: 'identifier', maxLength: 50 },
    { code: `${prefix}_XDR_SHZZ`, label: '社会组织登记证号', type: 'identifier', maxLength: 50 },
    { code: `${prefix}_FRDB`, label: '法定代表人', type: 'text', maxLength: 50 },
    { code: `${prefix}_FR_ZJLX`, label: '法定代表人证件类型', type: 'identifier', maxLength: 64 },
    { code: `${prefix}_FR_ZJHM`, label: '法定代表人证件号码', type: 'identityNumber', maxLength: 64 },
    { code: `${prefix}_XDR_ZJLX`, label: '证件类型', type: 'identifier', maxLength: 64 },
    { code: `${prefix}_XDR_ZJHM`, label: '证件号码', type: 'identityNumber', maxLength: 64 },
  ];
}

/** Where each kind keeps the properties the hub indexes on every record. */
export interface KindLayout {
  readonly prefix: string;
  readonly fields: readonly FieldSpec[];
  /** The date the record is ordered by: decision or listing date. */
  readonly eventDate: string;
  readonly documentNo: string;
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly publicationEnd?: string;
  readonly removalDate?: string;
  /** A status column whose canonical value 'REVOKED' marks a revoked record. */
  readonly status?: string;
}

const REMARKS: FieldSpec = { code: 'BZ', label: '备注', type: 'text', maxLength: 1000 };

const PERMIT: KindLayout = {
  prefix: 'XK',
  eventDate: 'XK_JDRQ',
  documentNo: 'XK_WSH',
  validFrom: 'XK_YXQZ',
  validTo: 'XK_YXQZI',
  status: 'XK_ZT',
  fields: [
    ...subjectFields('XK'),
    { code: 'XK_XKWS', label: '行政许可决定文书名称', type: 'text', maxLength: 256 },
    { code: 'XK_WSH', label: '行政许可决定文书号', type: 'identifier', required: true, maxLength: 128 },
    { code: 'XK_XKLB', label: '许可类别', type: 'enum', required: true, values: identity(['普通', '特许', '认可', '核准', '登记', '其他']) },
    { code: 'XK_XKZS', label: '许可证书名称', type: 'text', maxLength: 256 },
    { code: 'XK_XKBH', label: '许可编号', type: 'identifier', maxLength: 128 },
    { code: 'XK_NR', label: '许可内容', type: 'text', required: true, maxLength: 4000 },
    { code: 'XK_JDRQ', label: '许可决定日期', type: 'date', required: true },
    { code: 'XK_YXQZ', label: '有效期自', type: 'date', required: true },
    { code: 'XK_YXQZI', label: '有效期至', type: 'date' },
    { code: 'XK_XKJG', label: '许可机关', type: 'text', required: true, maxLength: 200 },
    { code: 'XK_XKJGDM', label: '许可机关统一社会信用代码', type: 'uscc', required: true },
    {
      code: 'XK_ZT',
      label: '当前状态',
      type: 'enum',
      values: { '1': 'ACTIVE', 有效: 'ACTIVE', '2': 'REVOKED', 无效: 'REVOKED' },
      valueLabels: STATUS_COLUMN_LABELS,
    },
    { code: 'XK_LYDW', label: '数据来源单位', type: 'text', required: true, maxLength: 200 },
    { code: 'XK_LYDWDM', label: '数据来源单位统一社会信用代码', type: 'uscc', required: true },
    REMARKS,
  ],
};

const PENALTY: KindLayout = {
  prefix: 'CF',
  eventDate: 'CF_JDRQ',
  documentNo: 'CF_WSH',
  validTo: 'CF_YXQ',
  publicationEnd: 'CF_GSJZQ',
  status: 'CF_ZT',
  fields: [
    ...subjectFields('CF'),
    { code: 'CF_WSH', label: '行政处罚决定书文号', type: 'identifier', required: true, maxLength: 128 },
    { code: 'CF_WFXW', label: '违法行为类型', type: 'text', required: true, maxLength: 2000 },
    { code: 'CF_SY', label: '违法事实', type: 'text', required: true, maxLength: 5000 },
    { code: 'CF_YJ', label: '处罚依据', type: 'text', required: true, maxLength: 2000 },
    { code: 'CF_CFLB', label: '处罚类别', type: 'enumList', required: true, values: identity(PENALTY_TYPES) },
    { code: 'CF_NR', label: '处罚内容', type: 'text', required: true, maxLength: 4000 },
    { code: 'CF_NR_FK', label: '罚款金额(万元)', type: 'amountWan' },
    { code: 'CF_NR_WFFF', label: '没收违法所得、没收非法财物的金额(万元)', type: 'amountWan' },
    { code: 'CF_NR_ZKDX', label: '暂扣或吊销证照名称及编号', type: 'text', maxLength: 200 },
    { code: 'CF_JDRQ', label: '处罚决定日期', type: 'date', required: true },
    { code: 'CF_YXQ', label: '处罚有效期', type: 'date', required: true, derivedBy: 'penaltyValidity' },
    { code: 'CF_GSJZQ', label: '公示截止期', type: 'date' },
    { code: 'CF_CFJG', label: '处罚机关', type: 'text', required: true, maxLength: 200 },
    { code: 'CF_CFJGDM', label: '处罚机关统一社会信用代码', type: 'uscc', required: true },
    { code: 'CF_SJLY', label: '数据来源单位', type: 'text', required: true, maxLength: 200 },
    { code: 'CF_SJLYDM', label: '数据来源单位统一社会信用代码', type: 'uscc', required: true },
    {
      code: 'CF_ZT',
      label: '当前状态(枢纽扩展)',
      type: 'enum',
      values: { '1': 'ACTIVE', 有效: 'ACTIVE', '2': 'REVOKED', 撤销: 'REVOKED' },
      valueLabels: STATUS_COLUMN_LABELS,
    },
    REMARKS,
  ],
};

function listLayout(decisionRequired: boolean): KindLayout {
  return {
    prefix: 'MD',
    eventDate: 'MD_LRRQ',
    documentNo: 'MD_WSH',
    validTo: 'MD_YXQZ',
    removalDate: 'MD_YCRQ',
    status: 'MD_ZT',
    fields: [
      ...subjectFields('MD'),
      { code: 'MD_MDMC', label: '名单名称', type: 'text', required: true, maxLength: 200 },
      { code: 'MD_LRYY', label: '列入事由', type: 'text', required: true, maxLength: 2000 },
      { code: 'MD_YJ', label: '列入依据', type: 'text', required: decisionRequired, maxLength: 2000 },
      { code: 'MD_WSH', label: '列入决定文书号', type: 'identifier', required: decisionRequired, maxLength: 128 },
      { code: 'MD_LRRQ', label: '列入日期', type: 'date', required: true },
      { code: 'MD_YXQZ', label: '有效期至', type: 'date' },
      { code: 'MD_LRJG', label: '作出决定机关', type: 'text', required: true, maxLength: 200 },
      { code: 'MD_LRJGDM', label: '作出决定机关统一社会信用代码', type: 'uscc', required: true },
      { code: 'MD_CJCS', label: '惩戒或激励措施', type: 'text', maxLength: 2000 },
      { code: 'MD_YCRQ', label: '移出日期', type: 'date' },
      { code: 'MD_YCYY', label: '移出原因', type: 'text', maxLength: 2000 },
      {
        code: 'MD_ZT',
        label: '当前状态',
        type: 'enum',
        values: { '1': 'ACTIVE', 有效: 'ACTIVE', '2': 'REVOKED', 撤销: 'REVOKED' },
        valueLabels: STATUS_COLUMN_LABELS,
      },
      { code: 'MD_LYDW', label: '数据来源单位', type: 'text', required: true, maxLength: 200 },
      { code: 'MD_LYDWDM', label: '数据来源单位统一社会信用代码', type: 'uscc', required: true },
      REMARKS,
    ],
  };
}

/** 检查结果 of an inspection, canonical values (the grading model scores them). */
export const INSPECTION_RESULTS = ['未发现问题', '责令整改', '立案查处', '未发现开展经营活动', '不配合检查'] as const;

/**
 * 双随机 inspection result (抽查检查结果). It counts for a year from the inspection date: the hub
 * derives its last valid day (publication.ts inspectionValidTo), as no column of the result states one.
 */
const INSPECTION: KindLayout = {
  prefix: 'JC',
  eventDate: 'JC_JCRQ',
  documentNo: 'JC_RWBH',
  fields: [
    ...subjectFields('JC'),
    { code: 'JC_RWBH', label: '抽查任务编号', type: 'identifier', required: true, maxLength: 128 },
    { code: 'JC_JCRQ', label: '检查日期', type: 'date', required: true },
    { code: 'JC_JCJG', label: '检查结果', type: 'enum', required: true, values: identity(INSPECTION_RESULTS) },
    { code: 'JC_JGMC', label: '检查机关', type: 'text', required: true, maxLength: 200 },
    { code: 'JC_JGDM', label: '检查机关统一社会信用代码', type: 'uscc', required: true },
    { code: 'JC_CCBH', label: '双随机抽查编号', type: 'identifier', maxLength: 64 },
    REMARKS,
  ],
};

export const KIND_LAYOUTS: Readonly<Record<RecordKind, KindLayout>> = {
  PERMIT,
  PENALTY,
  RED_LIST: listLayout(false),
  // A 严重失信 listing is a signed decision on a published legal basis.
  BLACK_LIST: listLayout(true),
  ABNORMAL_OPERATION: listLayout(false),
  INSPECTION,
};

export function isRecordKind(value: string): value is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(value);
}

const SPECS_BY_KIND = new Map(RECORD_KINDS.map((kind) => [kind, new Map(KIND_LAYOUTS[kind].fields.map((spec) => [spec.code, spec]))]));

/** The standard column `code` of `kind`, or undefined when the kind has no such column. */
export function standardColumn(kind: RecordKind, code: string): FieldSpec | undefined {
  return SPECS_BY_KIND.get(kind)?.get(code);
}

/**
 * Columns whose value decides a record's status or period: every date (decision, validity,
 * publication end, listing, removal) and the status columns. A mapping may not give them a static
 * default: one value for every record that lacks it would change what those records mean.
 */
export const STATUS_OR_PERIOD_COLUMNS: ReadonlySet<string> = new Set(
  Object.values(KIND_LAYOUTS).flatMap((layout) => [
    ...layout.fields.filter((spec) => spec.type === 'date').map((spec) => spec.code),
    ...(layout.status ? [layout.status] : []),
  ]),
);

/** Separators agencies use between several 处罚类别 in one cell. */
export const LIST_SEPARATORS = /[;；,，、|]/;
