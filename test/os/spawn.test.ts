// The one child-process runner (src/os/spawn.ts): exit statuses as a shell reports them, whole
// characters in captured output, bounded capture, and an abort that stops the whole group; and the
// detached mode (apps that outlive the server): own session and group, output to a file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runChild, startChild, startDetached } from '../../src/os/spawn.js';
import { waitGroupGone } from '../../src/os/process-group.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const sh = (script: string) => ({ file: 'sh', args: ['-c', script], env });

describe('os/spawn', () => {
  it('reports exit codes, signals and start failures the way a shell does', async () => {
    assert.equal((await runChild({ ...sh('exit 3'), stdout: 'ignore', stderr: 'ignore' })).status, 3);
    const killed = await runChild({ ...sh('kill -TERM $$'), stdout: 'ignore', stderr: 'ignore' });
    assert.equal(killed.signal, 'SIGTERM');
    assert.equal(killed.status, 143);
    const missing = await runChild({ file: '/nonexistent/slipway-cmd', args: [], env, stdout: 'capture', stderr: 'capture' });
    assert.equal(missing.status, 127);
    assert.match(missing.startError?.message ?? '', /ENOENT/);
  });

  it('captures output whole (a character split across reads survives), lines split per stream, stdin piped', async () => {
    const input = new PassThrough();
    const lines: string[] = [];
    const run = runChild({ ...sh('cat; printf "\\342\\202"; sleep 0.1; printf "\\254 ok\\n"; echo "err ✓" >&2'), stdin: input, stdout: 'capture', stderr: { lines: (l) => lines.push(l) } });
    input.end('héllo\n');
    const result = await run;
    assert.equal(result.status, 0);
    assert.equal(result.stdout, 'héllo\n€ ok\n');
    assert.deepEqual(lines, ['err ✓']);
  });

  // Regression (CI): 100 plugin runs each sourced root's ~/.bashrc (pyenv rehash) and timed out.
  it('a bash child with a piped stdin does not source the ~/.bashrc of the HOME it is given', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-home-'));
    try {
      fs.writeFileSync(path.join(home, '.bashrc'), 'echo bashrc-was-sourced >&2\n');
      const result = await runChild({ file: 'bash', args: ['-c', 'echo ran'], env: { ...env, HOME: home }, stdin: new PassThrough().end(), stdout: 'capture', stderr: 'capture' });
      assert.deepEqual([result.status, result.stdout, result.stderr], [0, 'ran\n', '']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('kills the group of a child whose captured output passes the bound, and keeps nothing', async () => {
    const result = await runChild({ ...sh('yes'), stdout: 'capture', stderr: 'ignore', maxCaptureBytes: 64 * 1024 });
    assert.equal(result.overflow, true);
    assert.equal(result.stdout, '');
    assert.equal(result.status, 137);
  });

  it('an abort stops the leader and everything it started (its process group), and unpipes the caller', async () => {
    const controller = new AbortController();
    const out = new PassThrough();
    let seen = '';
    out.on('data', (chunk: Buffer) => { seen += chunk.toString(); });
    // A backgrounded grandchild that ignores SIGTERM: only a group-wide SIGKILL ends it.
    const child = startChild({ ...sh('(trap "" TERM; while :; do echo bg; sleep 0.05; done) & echo started; wait'), stdout: out, stderr: 'ignore', signal: controller.signal, termGraceMs: 300 });
    while (!seen.includes('started')) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const afterAbort = seen.length;
    const result = await child.result;
    assert.equal(result.aborted, true);
    // SIGKILL is delivered asynchronously: the group is gone a few milliseconds later, not at once.
    assert.equal(await waitGroupGone(child.pid!, 2000), true, 'no process of the group is left');
    assert.ok(seen.length - afterAbort <= 'bg\n'.length, 'nothing (but a chunk in flight) reached the caller after the abort');
  });

  it('a detached child leads its own session and group and writes to the file it was given', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-detached-'));
    try {
      const file = path.join(dir, 'output');
      const fd = fs.openSync(file, 'a');
      // cat is the shell's child: its stat names the group and session the shell leads.
      const child = startDetached({ ...sh('echo out; echo err >&2; cat /proc/self/stat'), outputFd: fd });
      fs.closeSync(fd); // the child has its own copy
      const status = await child.exited;
      assert.deepEqual([status.code, status.signal, status.startError], [0, null, undefined]);
      const [out, err, stat] = fs.readFileSync(file, 'utf8').trim().split('\n');
      assert.deepEqual([out, err], ['out', 'err']);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      assert.deepEqual([Number(fields[2]), Number(fields[3])], [child.pid, child.pid], 'process group and session are the child\'s own');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a detached child that cannot start says why', async () => {
    const fd = fs.openSync('/dev/null', 'a');
    const child = startDetached({ file: '/nonexistent/slipway-cmd', args: [], env, outputFd: fd });
    fs.closeSync(fd);
    assert.equal(child.pid, undefined);
    assert.match((await child.exited).startError?.message ?? '', /ENOENT/);
  });
});
