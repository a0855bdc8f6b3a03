import { createContext, useContext } from 'react';

/** The console's words, Chinese first; English for visitors and operators who prefer it. */
const zh = {
  title: '长三角信用数据共享枢纽', console: '控制台', overview: '总览', agency: '部门数据', enterprise: '企业查询', access: '访问与审计',
  grades: '信用分级', draws: '双随机抽查', repairs: '信用修复', partners: '伙伴枢纽', signOut: '退出登录', signIn: '登录', language: 'English',
  notSignedIn: '尚未登录或会话已结束。请使用管理员发给您的一次性登录链接（npm run hub -- console invite <用户>）。',
  signingIn: '正在登录…', signInFailed: '登录失败', actingFor: '代表', purpose: '用途', role: '角色',
  recordsByKind: '各类信息数量', ingestedPerDay: '每日入库记录数', connectors: '数据源', health: '状态', healthy: '正常', unhealthy: '异常',
  quarantineBacklog: '待处理的拒收记录', auditHead: '审计日志', lastCheckpoint: '最近签名检查点', entries: '条', search: '搜索',
  searchPlaceholder: '企业名称（至少两个字）或统一社会信用代码', name: '名称', uscc: '统一社会信用代码', region: '地区', category: '类别',
  records: '信用记录', kind: '类别', status: '状态', eventDate: '决定日期', documentNo: '文书号', originAgency: '来源部门', originRegion: '来源地区',
  whoLooked: '谁查看过该企业', noPermission: '您的角色无权查看', runs: '运行记录', batches: '入库批次', quarantine: '拒收记录',
  reasons: '拒收原因', release: '校验位放行', justification: '放行理由', releaseDone: '已放行', runNow: '立即运行', replay: '重新校验',
  clients: '接入客户端', authorizations: '企业授权', auditSearch: '审计日志检索', auditVerify: '审计验证', validUntil: '有效期至',
  comingSoon: '该功能所需的接口尚未开放。', filters: '筛选', all: '全部', time: '时间', client: '客户端', person: '操作人', operation: '操作', outcome: '结果',
  open: '打开', back: '返回', verifyHint: '完整验证整条审计日志：npm run hub -- audit verify', treeSize: '覆盖条目数', rootHash: '根哈希',
  pickAgency: '选择部门', started: '开始', finished: '结束', received: '接收', inserted: '新增', rejected: '拒收', error: '错误',
  loading: '加载中…', none: '暂无', fineNote: '证件号码已按接口规则脱敏', distribution: '信用等级分布',
} as const;

type Words = Record<keyof typeof zh, string>;

const en: Words = {
  title: 'YRD credit-sharing hub', console: 'Console', overview: 'Overview', agency: 'Agency data', enterprise: 'Enterprise lookup', access: 'Access & audit',
  grades: 'Credit grades', draws: 'Inspection draws', repairs: 'Credit repair', partners: 'Partner hubs', signOut: 'Sign out', signIn: 'Sign in', language: '中文',
  notSignedIn: 'Not signed in, or the session has ended. Use the one-time sign-in link an operator gave you (npm run hub -- console invite <user>).',
  signingIn: 'Signing in…', signInFailed: 'Sign-in failed', actingFor: 'for', purpose: 'Purpose', role: 'Role',
  recordsByKind: 'Records by kind', ingestedPerDay: 'Records stored per day', connectors: 'Connectors', health: 'Health', healthy: 'healthy', unhealthy: 'unhealthy',
  quarantineBacklog: 'Quarantine backlog', auditHead: 'Audit log', lastCheckpoint: 'Last signed checkpoint', entries: 'entries', search: 'Search',
  searchPlaceholder: 'Enterprise name (2+ characters) or USCC', name: 'Name', uscc: 'USCC', region: 'Region', category: 'Category',
  records: 'Records', kind: 'Kind', status: 'Status', eventDate: 'Decision date', documentNo: 'Document no.', originAgency: 'Agency', originRegion: 'Origin region',
  whoLooked: 'Who looked at this enterprise', noPermission: 'Your role may not see this', runs: 'Runs', batches: 'Batches', quarantine: 'Quarantine',
  reasons: 'Reasons', release: 'Release (check digit)', justification: 'Justification', releaseDone: 'Released', runNow: 'Run now', replay: 'Replay',
  clients: 'Clients', authorizations: 'Authorisations', auditSearch: 'Audit log search', auditVerify: 'Audit verification', validUntil: 'Valid until',
  comingSoon: 'The API this page needs is not available yet.', filters: 'Filters', all: 'All', time: 'Time', client: 'Client', person: 'Person', operation: 'Operation', outcome: 'Outcome',
  open: 'Open', back: 'Back', verifyHint: 'Verify the whole log: npm run hub -- audit verify', treeSize: 'Entries covered', rootHash: 'Root hash',
  pickAgency: 'Agency', started: 'Started', finished: 'Finished', received: 'Received', inserted: 'Inserted', rejected: 'Rejected', error: 'Error',
  loading: 'Loading…', none: 'None', fineNote: 'Identity numbers are masked as the API masks them', distribution: 'Grade distribution',
};

export type Language = 'zh' | 'en';
export const WORDS: Readonly<Record<Language, Words>> = { zh, en };
export const WordsContext = createContext<Words>(zh);
/** The words of the language the person chose. */
export const useWords = (): Words => useContext(WordsContext);
