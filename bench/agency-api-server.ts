/**
 * A loopback agency API for the sync benchmark, run as its own process so it does not share the
 * hub's event loop: N penalty records generated from their index (nothing held in memory), served
 * with the hub's pull contract (`updated_since`, `page_size`, keyset `cursor`). POST /change bumps
 * the update time of every 100th record, as an agency's day of corrections would.
 *
 *   tsx bench/agency-api-server.ts <records>      (prints "listening <port>")
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { usccCheckCharacter } from '../ingestion/identifiers.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
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
    kind: 'PENALTY', id: `S${n}`, updated_at: new Date(updatedAt(n)).toISOString(),
    CF_XDR_MC: `上海同步测试${n}号科技有限公司`, CF_XDR_LB: '02', CF_XDR_SHXYM: uscc, CF_FRDB: '张三',
    CF_WSH: `沪罚〔2024〕S${n}号`, CF_WFXW: '虚假宣传', CF_SY: '发布虚假广告', CF_YJ: '《反不正当竞争法》第二十条', CF_CFLB: '罚款',
    CF_NR: '罚款', CF_NR_FK: changed && n % 100 === 0 ? '2.5' : '1.5', CF_JDRQ: '2024-03-15', CF_YXQ: '2099-12-31',
    CF_CFJG: '上海市市场监督管理局', CF_CFJGDM: AUTHORITY, CF_SJLY: '上海市市场监督管理局', CF_SJLYDM: AUTHORITY,
  });
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
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
