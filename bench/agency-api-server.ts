/**
 * A loopback agency API for the sync benchmark, run as its own process so it does not share the
 * hub's event loop: N records generated from their index (nothing held in memory). POST /change bumps
 * the update time of every 100th record, as an agency's day of corrections would. Two feeds:
 * - `standard`: penalties in standard columns, with the hub's pull contract (`updated_since`,
 *   `page_size`, keyset `cursor`);
 * - `mixed`: what a common agency system serves — 行政处罚 and 行政许可 together in its own pinyin
 *   columns (kind codes XZCF/XZXK in `lx`), page numbers (`since` in epoch ms, `page`, `size`, pages
 *   capped at 500), `{"code":0,"msg":"成功","data":{"list":[…],"hasMore":…}}`.
 *
 *   tsx bench/agency-api-server.ts <records> [standard|mixed]      (prints "listening <port>")
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { usccCheckCharacter } from '../ingestion/identifiers.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const FEED = process.argv[3] === 'mixed' ? 'mixed' : 'standard';
const MIXED_PAGE_CAP = 500;
const BASE = Date.parse('2024-01-01T00:00:00.000Z');
const AUTHORITY = (() => {
  const body = '11310000MB0000001';
  return body + usccCheckCharacter(body);
})();
let changed = false;

/** Record n's update time: one second apart; corrected ones (every 100th, after POST /change) at the end. */
const updatedAt = (n: number) => (changed && n % 100 === 0 ? BASE + (TOTAL + n) * 1000 : BASE + n * 1000);

function record(n: number): string {
  const body = `913101${String(10 + (n % 90))}${n.toString().padStart(9, '0')}`;
  const uscc = body + usccCheckCharacter(body);
  return JSON.stringify({
    kind: 'PENALTY',
    id: `S${n}`,
    updated_at: new Date(updatedAt(n)).toISOString(),
    CF_XDR_MC: `上海同步测试${n}号科技有限公司`,
    CF_XDR_LB: '02',
    CF_XDR_SHXYM: uscc,
    CF_FRDB: '张三',
    CF_WSH: `沪罚〔2024〕S${n}号`,
    CF_WFXW: '虚假宣传',
    CF_SY: '发布虚假广告',
    CF_YJ: '《反不正当竞争法》第二十条',
    CF_CFLB: '罚款',
    CF_NR: '罚款',
    CF_NR_FK: changed && n % 100 === 0 ? '2.5' : '1.5',
    CF_JDRQ: '2024-03-15',
    CF_YXQ: '2099-12-31',
    CF_CFJG: '上海市市场监督管理局',
    CF_CFJGDM: AUTHORITY,
    CF_SJLY: '上海市市场监督管理局',
    CF_SJLYDM: AUTHORITY,
  });
}

/** Record n in the mixed feed: even ones are penalties, odd ones permits, with the agency's own column names and forms. */
function mixedRecord(n: number): string {
  const body = `913101${String(10 + (n % 90))}${n.toString().padStart(9, '0')}`;
  const shared = {
    lx: n % 2 === 0 ? 'XZCF' : 'XZXK',
    id: `M${n}`,
    gxsj: updatedAt(n),
    dsr_mc: `上海同步测试${n}号科技有限公司`,
    dsr_lb: '2',
    tyshxydm: body + usccCheckCharacter(body),
    fddbr: '张三',
    jdrq: '2024/3/15',
    jdjg: '上海市市场监督管理局',
    jdjgdm: AUTHORITY,
  };
  return JSON.stringify(
    n % 2 === 0
      ? {
          ...shared,
          wsh: `沪市监罚〔2024〕${n}号`,
          wfxw: '虚假宣传',
          wfss: '经查，当事人发布虚假广告',
          cfyj: '《反不正当竞争法》第二十条',
          cflb: '02',
          cfnr: '罚款',
          fkje: changed && n % 100 === 0 ? '2.5' : '1.5',
        }
      : { ...shared, wsh: `沪市监许〔2024〕${n}号`, xklb: '普通', xknr: '食品经营', yxqz: '2024年3月15日', yxq: '20290314' },
  );
}

/** Record indexes in (updated_at, index) order from a position: the unchanged ones by index, then the corrected ones. */
function* ordered(fromTime: number, after: [number, number] | undefined): Generator<number> {
  const past = (n: number) => {
    const key: [number, number] = [updatedAt(n), n];
    return key[0] >= fromTime && (!after || key[0] > after[0] || (key[0] === after[0] && key[1] > after[1]));
  };
  const start = Math.max(0, Math.floor((Math.max(fromTime, after?.[0] ?? 0) - BASE) / 1000) - 1);
  for (let n = start; n < TOTAL; n++) if (!(changed && n % 100 === 0) && past(n)) yield n;
  if (changed) for (let n = 0; n < TOTAL; n += 100) if (past(n)) yield n;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://agency');
  if (req.method === 'POST' && url.pathname === '/change') {
    changed = true;
    return void res.end('ok');
  }
  if (FEED === 'mixed') return void res.writeHead(200, { 'content-type': 'application/json' }).end(mixedPage(url));
  const since = url.searchParams.get('updated_since');
  const size = Number(url.searchParams.get('page_size') ?? 1000);
  const cursor = url.searchParams.get('cursor');
  const after = cursor ? (cursor.split('|').map(Number) as [number, number]) : undefined;
  const page: string[] = [];
  let last: number | undefined;
  let more = false;
  for (const n of ordered(since ? Date.parse(since) : 0, after)) {
    if (page.length === size) {
      more = true;
      break;
    }
    page.push(record(n));
    last = n;
  }
  const nextCursor = more && last !== undefined ? JSON.stringify(`${updatedAt(last)}|${last}`) : 'null';
  res.writeHead(200, { 'content-type': 'application/json' }).end(`{"records":[${page.join(',')}],"next_cursor":${nextCursor}}`);
});
/** A page of the mixed feed: records changed at or after `since`, page `page` of `size` (at most 500). */
function mixedPage(url: URL): string {
  const since = Number(url.searchParams.get('since') ?? 0);
  const size = Math.min(MIXED_PAGE_CAP, Number(url.searchParams.get('size') ?? 100));
  let skip = (Number(url.searchParams.get('page') ?? 1) - 1) * size;
  const list: string[] = [];
  let hasMore = false;
  for (const n of ordered(since, undefined)) {
    if (skip > 0) {
      skip -= 1;
      continue;
    }
    if (list.length === size) {
      hasMore = true;
      break;
    }
    list.push(mixedRecord(n));
  }
  return `{"code":0,"msg":"成功","data":{"list":[${list.join(',')}],"hasMore":${hasMore}}}`;
}

server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
