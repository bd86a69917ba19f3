import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../adapters/cli/main.ts';
import { invokeEach } from '../../adapters/cli/invoke.ts';
import { testRuntime } from '../helpers/invoke.ts';
import { runCapturedCli } from '../helpers/cli.ts';
import { BATCH_NODE_FLAGS } from '../../bin/node-runtime.mjs';
import { echo, testEndpoints } from '../helpers/test-endpoints.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const cli = (...argv: string[]) => runCapturedCli(argv);

describe('sellpo CLI', () => {
  it('lists routes', async () => {
    const { code, stdout } = await cli('routes');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^GET\s+\/health\s+platform\.health\s+public$/m);
  });

  it('invokes an endpoint and prints its body; exit 0', async () => {
    const { code, stdout } = await cli('invoke', 'platform.meta');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ service: 'sellpo' });
  });

  it('exits 2 with a clear message for bad usage', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['invoke'], /name the endpoint to invoke/],
      [['invoke', 'no.such'], /no endpoint "no.such"/],
      [['invoke', 'platform.meta', '--bogus'], /Unknown option '--bogus'/],
      [['invoke', 'platform.meta', '--query', 'novalue'], /--query expects key=value, got "novalue"/],
      [['invoke', 'platform.meta', '--body', '{oops'], /--body: the --body value is not valid JSON/],
      [['invoke', 'platform.meta', '--body', '@/nonexistent/file.json'], /--body: cannot read \/nonexistent\/file.json: ENOENT/],
      [['invoke', 'platform.meta', '--concurrency', '4'], /--concurrency only applies with --each/],
      [['invoke', 'platform.meta', '--each', '/nonexistent.jsonl'], /--each: cannot read \/nonexistent.jsonl: ENOENT/],
      [['invoke', 'platform.meta', '--each', tmpdir()], /--each: cannot read .*: EISDIR \(a directory/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await cli(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toMatch(message);
    }
  });

  it('exits 2 naming a bad environment value', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let stderr = '';
    err.on('data', (d: Buffer) => (stderr += d));
    expect(await runCli(['routes'], { out, err }, { LOG_LEVEL: 'LOUD' })).toBe(2);
    expect(stderr).toMatch(/LOG_LEVEL: expected DEBUG, INFO, WARN, ERROR or SILENT, got "LOUD"/);
  });
});

describe('the sellpo command', () => {
  // Up to eight CLI processes in turn (two launchers, each re-running itself under Node 24): a generous bound.
  it('runs the CLI through bin/sellpo.mjs, under the project\'s Node 24 even when started by another node', { timeout: 180_000 }, () => {
    const nodes = [process.execPath, '/usr/bin/node'].filter((n, i, all) => all.indexOf(n) === i && spawnSync(n, ['--version']).status === 0);
    for (const node of nodes) {
      const run = spawnSync(node, [`${root}bin/sellpo.mjs`, 'invoke', 'platform.meta'], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'ERROR' } });
      expect({ node, status: run.status, stderr: run.stderr }).toMatchObject({ node, status: 0 });
      expect(JSON.parse(run.stdout).node).toMatch(/^24\./);
      // A batch is re-run with its node flags: standard input, output and the exit code pass through.
      const batch = spawnSync(node, [`${root}bin/sellpo.mjs`, 'invoke', 'platform.meta', '--each', '-'], { input: '{}\n{"query":[]}\n', encoding: 'utf8' });
      expect({ node, status: batch.status }).toEqual({ node, status: 1 });
      expect(batch.stdout.trim().split('\n').map((l) => JSON.parse(l))).toMatchObject([{ line: 1, status: 200, body: { node: expect.stringMatching(/^24\./) } }, { line: 2 }]);
    }
  });
});

describe('batch mode (--each)', () => {
  it('starts batches with the same node flags from every launcher', () => {
    const bin = readFileSync(`${root}bin/sellpo.mjs`, 'utf8');
    const entrypoint = readFileSync(`${root}container/entrypoint.sh`, 'utf8');
    expect(BATCH_NODE_FLAGS.length).toBeGreaterThan(0);
    // The bin and the CLI take the list itself; the shell entry point has its own copy.
    expect(bin).toMatch(/ensureProjectNode\(process\.argv\.includes\('--each'\) \? BATCH_NODE_FLAGS/);
    for (const flag of BATCH_NODE_FLAGS) {
      expect(entrypoint).toMatch(new RegExp(`exec node [^\\n]*${flag} [^\\n]*dist/cli\\.mjs`));
    }
  });

  it('answers every line in order, records bad lines and error answers, and keeps going', async () => {
    const rt = await testRuntime({ endpoints: testEndpoints });
    const dir = mkdtempSync(join(tmpdir(), 'sellpo-batch-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ path: { itemId: 'a' }, body: { name: 'first', price: 1 } }),
        '{not json',
        JSON.stringify({ path: { itemId: 'b' }, body: { name: '', price: 2 } }),
        '',
        JSON.stringify({ body: { name: 'no path', price: 3 } }),
        JSON.stringify({ path: { itemId: 'c' }, body: { name: 'last', price: 4 }, extra: true }),
        JSON.stringify({ path: { itemId: 'd' }, query: { limit: 7 }, body: { name: 'last', price: 5 } }),
      ].join('\n'),
    );
    const out = new PassThrough();
    const progress = new PassThrough();
    let written = '';
    let progressed = '';
    out.on('data', (d: Buffer) => (written += d));
    progress.on('data', (d: Buffer) => (progressed += d));
    const summary = await invokeEach(echo, rt.dispatcher.handlers.get('test.echo')!, { input: file, out, progress, concurrency: 3, base: {} });
    const lines = written.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(lines[0]).toMatchObject({ status: 201, body: { itemId: 'a', name: 'first' } });
    expect(lines[1].error).toMatch(/not valid JSON/);
    expect(lines[2]).toMatchObject({ status: 400, body: { type: 'urn:sellpo:problem:validation' } });
    expect(lines[3].error).toMatch(/needs path value --path itemId=/);
    expect(lines[4].error).toMatch(/unknown key extra/);
    expect(lines[5]).toMatchObject({ status: 201, body: { itemId: 'd', limit: 7 } });
    expect(summary).toMatchObject({ lines: 6, ok: 2, errorResponses: 1, badLines: 3 });
    expect(progressed).toMatch(/^done: 6 lines, 2 ok, 1 error responses, 3 bad lines/m);
  });

  it('reads a named pipe as well as a file', () => {
    // The writer opens the FIFO, writes and leaves; the CLI must read from the descriptor it opened first.
    const fifo = join(mkdtempSync(join(tmpdir(), 'sellpo-fifo-')), 'rows');
    // The writer gives up after 90 s, so a CLI that never opens the FIFO leaves no writer blocked behind the test.
    const script = `mkfifo ${fifo} && (timeout 90 sh -c "printf '{}\\n{}\\n' > ${fifo}" &) && ${JSON.stringify(process.execPath)} ${root}dist/cli.mjs invoke platform.meta --each ${fifo}`;
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'ERROR' } });
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(run.stdout.trim().split('\n').map((l) => JSON.parse(l))).toMatchObject([{ line: 1, status: 200 }, { line: 2, status: 200 }]);
  });

  it('runs from the built CLI over standard input, exit 1 when any line failed', () => {
    const input = ['{}', '{"path":1}'].join('\n');
    const run = spawnSync(process.execPath, [`${root}dist/cli.mjs`, 'invoke', 'platform.meta', '--each', '-'], { input, encoding: 'utf8' });
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ line: 1, status: 200, body: { service: 'sellpo' } });
    expect(lines[1]).toMatchObject({ line: 2, error: '"path" must be an object' });
    expect(run.stderr).toMatch(/done: 2 lines, 1 ok, 0 error responses, 1 bad lines/);
  });
});
