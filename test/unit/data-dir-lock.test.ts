import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from '../../server/data-dir-lock.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'hub-lock-'));

describe('the embedded database lock', () => {
  test('taken with this process id and released', () => {
    const dir = freshDir();
    const release = lockDataDir(dir, 'the hub');
    expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${process.pid} the hub\n`);
    release();
    expect(existsSync(join(dir, 'hub.lock'))).toBe(false);
  });

  test('refused while a running process holds it, naming the holder', () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, 'hub.lock'), `${holder.pid ?? 0} the hub\n`);
      expect(() => lockDataDir(dir, 'the hub CLI')).toThrow(`is in use by the hub (pid ${holder.pid ?? 0}); stop it first`);
      expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${holder.pid ?? 0} the hub\n`);
    } finally {
      holder.kill();
    }
  });

  test('a lock left by a process that no longer runs is taken over', () => {
    const dir = freshDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'hub.lock'), `${gone} the hub\n`);
    const release = lockDataDir(dir, 'the hub CLI');
    expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${process.pid} the hub CLI\n`);
    release();
  });
});
