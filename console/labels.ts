/** Chinese words for the hub's codes: record kinds, statuses, refusal rules, run outcomes, coded standard fields. */

export const KIND_LABELS: Readonly<Record<string, string>> = {
  PERMIT: '行政许可',
  PENALTY: '行政处罚',
  RED_LIST: '守信红名单',
  BLACK_LIST: '严重失信主体名单',
  ABNORMAL_OPERATION: '经营异常名录',
  INSPECTION: '双随机抽查结果',
};

export const STATUS_LABELS: Readonly<Record<string, string>> = {
  ACTIVE: '有效',
  EXPIRED: '已过期',
  REVOKED: '已撤销',
  REPAIRED: '已信用修复',
  DISPUTED: '异议处理中',
  OPEN: '待处理',
  RELEASED: '已放行',
  RESOLVED: '已更正',
  RUNNING: '运行中',
  SUCCEEDED: '成功',
  FAILED: '失败',
  ABANDONED: '中断',
  PENDING: '待决定',
  APPROVED: '已批准',
  REJECTED: '已驳回',
};

export const CATEGORY_LABELS: Readonly<Record<string, string>> = {
  NATURAL_PERSON: '自然人',
  LEGAL_PERSON: '法人',
  UNINCORPORATED_ORGANISATION: '非法人组织',
  INDIVIDUAL_BUSINESS: '个体工商户',
};

/** Why a record was refused, in plain words for an agency clerk (the hub's own message is shown beside it). */
export const RULE_LABELS: Readonly<Record<string, string>> = {
  REQUIRED: '必填项缺失',
  CONDITIONAL_REQUIRED: '按规定应填写的项目缺失',
  DATE: '日期格式或日期不正确',
  DATE_ORDER: '日期先后顺序不正确',
  USCC_FORMAT: '统一社会信用代码格式不正确',
  USCC_CHECKSUM: '统一社会信用代码校验位不正确',
  RESIDENT_ID_FORMAT: '身份证号码格式不正确',
  RESIDENT_ID_CHECKSUM: '身份证号码校验位不正确',
  ENUM: '取值不在标准代码表内',
  AMOUNT: '金额格式不正确',
  MAX_LENGTH: '内容超出长度限制',
  CONTROL_CHARACTER: '含有不可见的控制字符',
  UNKNOWN_FIELD: '含有标准以外的字段',
  MUST_BE_EMPTY: '此类主体不应填写该项',
  NOT_DERIVABLE: '无法从其他字段推算',
  NOT_OWN_AUTHORITY: '报送部门无权发布该决定机关的信息',
};

export const FAILURE_LABELS: Readonly<Record<string, string>> = {
  UPSTREAM_UNAVAILABLE: '部门接口无法访问',
  UPSTREAM_TIMEOUT: '部门接口响应超时',
  UPSTREAM_ERROR_CODE: '部门接口返回错误码',
  BAD_RESPONSE: '部门接口返回格式不符',
  UNAUTHORIZED: '部门接口拒绝授权',
  INCOMPLETE_PAGE: '分页数据不完整',
  SOURCE_UNREADABLE: '数据文件无法读取',
  HUB_ERROR: '枢纽内部错误',
  ABANDONED: '运行进程中断',
};

/** A standard field's value with the meaning the hub gives a coded column (`02` → `02 法人`). */
export function codedValue(field: { readonly value: string; readonly valueLabel: string | null }): string {
  return field.valueLabel ? `${field.value} ${field.valueLabel}` : field.value;
}

export const label = (labels: Readonly<Record<string, string>>, code: string | null | undefined): string => (code ? (labels[code] ?? code) : '—');
