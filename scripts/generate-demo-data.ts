/**
 * Generates the bundled demo data set: four agencies in the four Yangtze Delta provinces, a few
 * thousand records in their own file formats, and a handful of deliberately faulty rows that land
 * in quarantine. Deterministic: the same seed always writes the same bytes.
 *
 *   npm run demo:generate [-- <output folder>]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { usccCheckCharacter } from '../ingestion/identifiers.js';

type Row = Record<string, string>;

/** mulberry32: a tiny seeded PRNG, so the data set is identical on every machine. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof randomSource>;

const WORDS = [
  '华阳',
  '锦程',
  '恒信',
  '瑞丰',
  '鑫达',
  '嘉禾',
  '正泰',
  '宏远',
  '明辉',
  '天成',
  '汇通',
  '永盛',
  '新视界',
  '绿源',
  '博雅',
  '长青',
  '致远',
  '海纳',
  '众合',
  '金桥',
  '德润',
  '启航',
  '晨光',
  '安和',
  '融创',
];
const EXTRA_WORDS = ['同舟', '润泽', '和信', '远航', '凯达', '东升', '佳禾', '祥云', '益民', '华兴'];
const TRADES = ['科技', '贸易', '食品', '建材', '物流', '环保科技', '机械制造', '电子', '服装', '餐饮管理', '医药', '新材料'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '军', '杰', '涛', '明', '超', '霞'];

interface Place {
  readonly division: string;
  readonly prefix: string;
}
const PLACES: readonly Place[] = [
  { division: '310118', prefix: '上海青浦' },
  { division: '320509', prefix: '苏州吴江' },
  { division: '330421', prefix: '嘉善' },
  { division: '340104', prefix: '合肥蜀山' },
];

interface Company {
  readonly uscc: string;
  readonly name: string;
  readonly representative: string;
}

export function uscc(prefix2: string, division: string, serial: number): string {
  const body = `${prefix2}${division}${serial
    .toString(36)
    .toUpperCase()
    .replace(/[IOSVZ]/g, '0')
    .padStart(9, '0')}`.slice(0, 17);
  return body + usccCheckCharacter(body);
}

function residentId(random: Random, division: string): string {
  const birth = `19${random.int(60, 99)}${String(random.int(1, 12)).padStart(2, '0')}${String(random.int(1, 28)).padStart(2, '0')}`;
  const body = `${division}${birth}${String(random.int(100, 999))}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = Array.from(body).reduce((acc, digit, i) => acc + Number(digit) * (weights[i] ?? 0), 0);
  return body + '10X98765432'.charAt(sum % 11);
}

function person(random: Random): string {
  return random.pick(SURNAMES) + random.pick(GIVEN) + (random.chance(0.5) ? random.pick(GIVEN) : '');
}

/** A distinct, plausible name for the place's i-th company: word and trade, then further words once those run out. */
function companyName(place: Place, i: number): string {
  const first = WORDS.length * TRADES.length;
  const words = i < first ? WORDS : EXTRA_WORDS;
  const j = i < first ? i : i - first;
  if (j >= words.length * TRADES.length) throw new Error(`no distinct name for company ${i}: add words`);
  return `${place.prefix}${words[j % words.length] ?? ''}${TRADES[Math.floor(j / words.length)] ?? ''}有限公司`;
}

function companies(random: Random, place: Place, count: number): Company[] {
  return Array.from({ length: count }, (_, i) => ({
    uscc: uscc('91', place.division, 100_000 + i * 7919),
    name: companyName(place, i),
    representative: person(random),
  }));
}

function date(random: Random, fromYear: number, toYear: number): string {
  return `${random.int(fromYear, toYear)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
}

const AUTHORITIES = {
  qingpu: { name: '上海市青浦区市场监督管理局', uscc: uscc('11', '310118', 1) },
  wujiang: { name: '苏州市吴江区市场监督管理局', uscc: uscc('11', '320509', 2) },
  jiashan: { name: '国家税务总局嘉善县税务局', uscc: uscc('11', '330421', 3) },
  hefei: { name: '合肥市生态环境局', uscc: uscc('11', '340100', 4) },
};

const VIOLATIONS = [
  { type: '虚假宣传', basis: '《中华人民共和国反不正当竞争法》第二十条', penalty: ['罚款'] },
  { type: '未按规定公示年度报告', basis: '《企业信息公示暂行条例》第十八条', penalty: ['警告'] },
  { type: '销售不符合食品安全标准的食品', basis: '《中华人民共和国食品安全法》第一百二十四条', penalty: ['罚款', '没收违法所得'] },
  { type: '未经许可从事特种设备生产', basis: '《中华人民共和国特种设备安全法》第七十四条', penalty: ['罚款', '责令停产停业'] },
  { type: '违反消防安全规定', basis: '《中华人民共和国消防法》第六十条', penalty: ['警告', '罚款'] },
  { type: '超标排放大气污染物', basis: '《中华人民共和国大气污染防治法》第九十九条', penalty: ['罚款', '限制开展生产经营活动'] },
];

/** 青浦 market regulator: penalties as CSV in its own legacy column names (mapped in config). */
function qingpuPenalties(random: Random, firms: Company[]): Row[] {
  return Array.from({ length: 900 }, (_, i) => {
    const firm = random.pick(firms);
    const violation = random.pick(VIOLATIONS);
    const fine = violation.penalty.includes('罚款') ? `${random.int(0, 50)}.${random.int(0, 99).toString().padStart(2, '0')}` : '';
    const decided = date(random, 2020, 2025);
    return {
      记录编号: `QP-CF-${String(i + 1).padStart(6, '0')}`,
      当事人名称: firm.name,
      当事人类别: '法人及非法人组织',
      统一社会信用代码: firm.uscc,
      法定代表人: firm.representative,
      处罚决定书文号: `沪市监青处〔${decided.slice(0, 4)}〕${i + 1}号`,
      违法行为类型: violation.type,
      处罚事由: `经查，当事人存在${violation.type}的违法行为。`,
      处罚依据: violation.basis,
      处罚类别1: violation.penalty[0] ?? '',
      处罚类别2: violation.penalty[1] ?? '',
      处罚结果: fine ? `罚款人民币${fine}万元` : '警告',
      罚款金额万元: fine,
      处罚决定日期: decided.replace(/-/g, '/').replace(/\/0/g, '/'),
      处罚有效期: '2099/12/31',
      处罚机关: AUTHORITIES.qingpu.name,
      处罚机关代码: AUTHORITIES.qingpu.uscc,
    };
  });
}

/** 青浦 permits: JSON Lines already in standard columns. */
function qingpuPermits(random: Random, firms: Company[]): Row[] {
  return Array.from({ length: 800 }, (_, i) => {
    const firm = firms[i % firms.length] as Company;
    const decided = date(random, 2019, 2025);
    return {
      kind: 'PERMIT',
      sourceRecordId: `QP-XK-${String(i + 1).padStart(6, '0')}`,
      XK_XDR_MC: firm.name,
      XK_XDR_LB: '法人及非法人组织',
      XK_XDR_SHXYM: firm.uscc,
      XK_FRDB: firm.representative,
      XK_XKWS: '准予行政许可决定书',
      XK_WSH: `沪市监青许〔${decided.slice(0, 4)}〕${i + 1}号`,
      XK_XKLB: random.pick(['普通', '登记', '核准']),
      XK_XKZS: random.pick(['食品经营许可证', '工业产品生产许可证', '医疗器械经营许可证']),
      XK_XKBH: `JY1310118${String(i).padStart(7, '0')}`,
      XK_NR: random.pick(['预包装食品销售', '热食类食品制售', '第二类医疗器械经营']),
      XK_JDRQ: decided,
      XK_YXQZ: decided,
      XK_YXQZI: `${Number(decided.slice(0, 4)) + 5}${decided.slice(4)}`,
      XK_XKJG: AUTHORITIES.qingpu.name,
      XK_XKJGDM: AUTHORITIES.qingpu.uscc,
      XK_ZT: random.chance(0.05) ? '2' : '1',
      XK_LYDW: AUTHORITIES.qingpu.name,
      XK_LYDWDM: AUTHORITIES.qingpu.uscc,
    };
  });
}

/** 吴江 market regulator: penalties (incl. natural persons) and the abnormal-operation list, JSON Lines. */
function wujiangRecords(random: Random, firms: Company[]): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 700; i++) {
    const violation = random.pick(VIOLATIONS);
    const naturalPerson = i % 25 === 0;
    const firm = random.pick(firms);
    const subject: Row = naturalPerson
      ? { CF_XDR_MC: person(random), CF_XDR_LB: '自然人', CF_XDR_ZJLX: '身份证', CF_XDR_ZJHM: residentId(random, '320509') }
      : { CF_XDR_MC: firm.name, CF_XDR_LB: '法人', CF_XDR_SHXYM: firm.uscc, CF_FRDB: firm.representative };
    const fine = `${random.int(0, 30)}.${random.int(0, 9999).toString().padStart(4, '0')}`;
    const decided = date(random, 2021, 2025);
    rows.push({
      kind: 'PENALTY',
      sourceRecordId: `WJ-CF-${i + 1}`,
      ...subject,
      CF_WSH: `吴市监案〔${decided.slice(0, 4)}〕${300 + i}号`,
      CF_WFXW: violation.type,
      CF_SY: `当事人${violation.type}，违法事实清楚。`,
      CF_YJ: violation.basis,
      CF_CFLB: violation.penalty.join(';'),
      CF_NR: violation.penalty.join('、'),
      ...(violation.penalty.includes('罚款') ? { CF_NR_FK: fine } : {}),
      CF_JDRQ: decided.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$1年$2月$3日'),
      CF_YXQ: '2099-12-31',
      CF_CFJG: AUTHORITIES.wujiang.name,
      CF_CFJGDM: AUTHORITIES.wujiang.uscc,
      CF_SJLY: AUTHORITIES.wujiang.name,
      CF_SJLYDM: AUTHORITIES.wujiang.uscc,
    });
  }
  for (let i = 0; i < 400; i++) {
    const firm = firms[(i * 3) % firms.length] as Company;
    const listed = date(random, 2021, 2025);
    const removed = random.chance(0.3) ? `${Number(listed.slice(0, 4)) + 1}${listed.slice(4)}` : '';
    rows.push({
      kind: 'ABNORMAL_OPERATION',
      sourceRecordId: `WJ-YC-${i + 1}`,
      MD_XDR_MC: firm.name,
      MD_XDR_LB: '02',
      MD_XDR_SHXYM: firm.uscc,
      MD_FRDB: firm.representative,
      MD_MDMC: '经营异常名录',
      MD_LRYY: random.pick(['未按照规定期限公示年度报告', '通过登记的住所或者经营场所无法联系']),
      MD_WSH: `吴市监异〔${listed.slice(0, 4)}〕${i + 1}号`,
      MD_LRRQ: listed,
      MD_LRJG: AUTHORITIES.wujiang.name,
      MD_LRJGDM: AUTHORITIES.wujiang.uscc,
      ...(removed ? { MD_YCRQ: removed, MD_YCYY: '已补报年度报告并公示' } : {}),
      MD_LYDW: AUTHORITIES.wujiang.name,
      MD_LYDWDM: AUTHORITIES.wujiang.uscc,
    });
  }
  return rows;
}

/** 嘉善 tax bureau: red list (纳税信用A级) and black list (重大税收违法失信主体), CSV in standard columns. */
function jiashanLists(random: Random, firms: Company[]): Row[] {
  return Array.from({ length: 600 }, (_, i) => {
    const firm = firms[(i * 7) % firms.length] as Company;
    const black = i % 6 === 0;
    const year = 2021 + (i % 5);
    return {
      kind: black ? 'BLACK_LIST' : 'RED_LIST',
      sourceRecordId: `JS-MD-${i + 1}`,
      MD_XDR_MC: firm.name,
      MD_XDR_LB: '法人',
      MD_XDR_SHXYM: firm.uscc,
      MD_FRDB: firm.representative,
      MD_MDMC: black ? '重大税收违法失信主体' : '纳税信用A级纳税人',
      MD_LRYY: black ? '虚开增值税专用发票' : `${year - 1}年度纳税信用评价为A级`,
      MD_YJ: black ? '《重大税收违法失信主体信息公布管理办法》第六条' : '《纳税信用管理办法》',
      MD_WSH: black ? `嘉税稽罚〔${year}〕${i + 1}号` : '',
      MD_LRRQ: `${year}-0${random.int(4, 9)}-15`,
      MD_YXQZ: black ? `${year + 3}-06-30` : `${year + 1}-03-31`,
      MD_CJCS: black ? '禁止参加政府采购；限制取得政府供应土地；纳税信用直接判为D级' : '增值税发票按需领用；绿色通道优先办理',
      MD_LRJG: AUTHORITIES.jiashan.name,
      MD_LRJGDM: AUTHORITIES.jiashan.uscc,
      MD_LYDW: AUTHORITIES.jiashan.name,
      MD_LYDWDM: AUTHORITIES.jiashan.uscc,
    };
  });
}

/** 合肥 environment bureau: penalties, CSV in standard columns, amounts with full-width digits from a spreadsheet. */
function hefeiPenalties(random: Random, firms: Company[]): Row[] {
  return Array.from({ length: 600 }, (_, i) => {
    const firm = random.pick(firms);
    const fine = String(random.int(1, 100));
    const decided = date(random, 2020, 2025);
    return {
      kind: 'PENALTY',
      sourceRecordId: `HF-HB-${i + 1}`,
      CF_XDR_MC: firm.name,
      CF_XDR_LB: '02',
      CF_XDR_SHXYM: firm.uscc,
      CF_FRDB: firm.representative,
      CF_WSH: `合环罚〔${decided.slice(0, 4)}〕${i + 1}号`,
      CF_WFXW: '超标排放大气污染物',
      CF_SY: '在线监测数据显示颗粒物排放浓度超过国家排放标准。',
      CF_YJ: '《中华人民共和国大气污染防治法》第九十九条',
      CF_CFLB: '罚款',
      CF_NR: `罚款${fine}万元`,
      CF_NR_FK: i % 10 === 0 ? fine.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d))) : fine,
      CF_JDRQ: decided.replace(/-/g, ''),
      CF_YXQ: '20991231',
      CF_CFJG: AUTHORITIES.hefei.name,
      CF_CFJGDM: AUTHORITIES.hefei.uscc,
      CF_SJLY: AUTHORITIES.hefei.name,
      CF_SJLYDM: AUTHORITIES.hefei.uscc,
    };
  });
}

/** A few rows with the faults agencies really send; they must end up in quarantine with reasons. */
function faultyRows(rows: Row[], prefix: string): void {
  const [a, b, c] = [rows[10], rows[20], rows[30]];
  if (a) for (const key of Object.keys(a)) if (/JDRQ|处罚决定日期|LRRQ/.test(key)) a[key] = '2023-02-30';
  if (b)
    for (const key of Object.keys(b))
      if (/SHXYM$|统一社会信用代码/.test(key)) b[key] = `${(b[key] ?? '').slice(0, 17)}${(b[key] ?? '').endsWith('0') ? '1' : '0'}`;
  if (c) for (const key of Object.keys(c)) if (/_WSH$|处罚决定书文号/.test(key)) c[key] = '';
  if (c) c['sourceRecordId'] = c['sourceRecordId'] ?? `${prefix}-missing-document-number`;
}

const csv = (rows: Row[]) => stringify(rows, { header: true, columns: Object.keys(rows[0] ?? {}), bom: true });
const jsonl = (rows: Row[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

export async function generateDemoData(outDir: string): Promise<number> {
  const random = randomSource(20_261_123);
  const [qp, wj, js, hf] = PLACES.map((place) => companies(random, place, 400)) as [Company[], Company[], Company[], Company[]];
  const files: [string, string, Row[]][] = [
    ['SH-QP-SAMR/penalties', 'penalties.csv', qingpuPenalties(random, qp)],
    ['SH-QP-SAMR/permits', 'permits.jsonl', qingpuPermits(random, qp)],
    ['JS-WJ-SAMR', 'records.jsonl', wujiangRecords(random, wj)],
    ['ZJ-JS-TAX', 'credit-lists.csv', jiashanLists(random, js)],
    ['AH-HF-EEB', 'penalties.csv', hefeiPenalties(random, [...hf, ...qp.slice(0, 50)])],
  ];
  await rm(outDir, { recursive: true, force: true });
  let total = 0;
  for (const [folder, name, rows] of files) {
    faultyRows(rows, folder);
    await mkdir(join(outDir, folder), { recursive: true });
    await writeFile(join(outDir, folder, name), name.endsWith('.csv') ? csv(rows) : jsonl(rows));
    total += rows.length;
  }
  return total;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = process.argv[2] ?? 'demo/drop';
  const total = await generateDemoData(outDir);
  process.stdout.write(`wrote ${total} demo records to ${outDir}\n`);
}
