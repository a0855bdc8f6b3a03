import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from '../../server/data-dir-lock.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'hub-lock-'));
const lockOf = (dir: string) => readFileSync(join(dir, 'hub.lock'), 'utf8');

describe('the embedded database lock', () => {
  test('taken with this host and process id, released; the data folder is private (0700), an open one tightened', () => {
    const dir = freshDir();
    chmodSync(dir, 0o755);
    const release = lockDataDir(dir, 'the hub');
    expect(lockOf(dir)).toBe(`${process.pid} ${hostname()} the hub\n`);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    release();
    expect(existsSync(join(dir, 'hub.lock'))).toBe(false);
    const nested = join(freshDir(), 'data');
    lockDataDir(nested, 'the hub')();
    expect(statSync(nested).mode & 0o777).toBe(0o700);
  });

  test('refused while a running process holds it, naming the holder', () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const held = `${holder.pid ?? 0} ${hostname()} the hub\n`;
      writeFileSync(join(dir, 'hub.lock'), held);
      expect(() => lockDataDir(dir, 'the hub CLI')).toThrow(`is in use by the hub (pid ${holder.pid ?? 0}); stop it first`);
      expect(lockOf(dir)).toBe(held);
    } finally {
      holder.kill();
    }
  });

  test('a lock being written (empty) or held on another host is never taken over', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'hub.lock'), '');
    expect(() => lockDataDir(dir, 'the hub CLI')).toThrow('is in use by another process');
    writeFileSync(join(dir, 'hub.lock'), `1 other-host the hub\n`);
    expect(() => lockDataDir(dir, 'the hub CLI')).toThrow('is in use by the hub (pid 1 on host other-host)');
  });

  test('a lock left by a process of this host that no longer runs is taken over; a release leaves a lock it no longer holds alone', () => {
    const dir = freshDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'hub.lock'), `${gone} ${hostname()} the hub\n`);
    const release = lockDataDir(dir, 'the hub CLI');
    expect(lockOf(dir)).toBe(`${process.pid} ${hostname()} the hub CLI\n`);
    writeFileSync(join(dir, 'hub.lock'), `${gone} ${hostname()} someone else\n`);
    release();
    expect(lockOf(dir)).toBe(`${gone} ${hostname()} someone else\n`);
  });
});
