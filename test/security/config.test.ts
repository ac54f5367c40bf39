// Config values are data: quotes, $, backticks, newlines and backslashes round-trip through
// config:set / config:get / config:export and the post-config-update trigger, and no output
// format, fed to bash, runs anything. Invalid keys are refused and leave the ENV file as it was.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Client } from 'ssh2';
import { TestServer } from '../helpers/server.js';
import { connect, exec, loadKey } from '../helpers/ssh-client.js';
import { installPlugin, markerPath, q } from '../helpers/fixtures.js';

describe('security: config values and keys', function () {
  this.timeout(60_000);
  let server: TestServer;
  let client: Client;
  const marker = markerPath('config');
  const touch = `touch ${marker}`;
  const values: Record<string, string> = {
    QUOTES: `it's "quoted"`,
    DOLLAR: '$HOME ${PATH} $1 $$',
    SUBST: `$(${touch})`,
    BACKTICK: `\`${touch}\``,
    NEWLINE: `line1\n${touch}\nline3`,
    SINGLE: `'; ${touch}; '`,
    DOUBLE: `"; ${touch}; "`,
    BACKSLASH: 'a\\b\\\\c\\n\\',
    TRAILING_NEWLINE: 'x\n',
    LEADING_DASH: `--upload-pack=${touch}`,
    EQUALS: 'a=b=c',
    SPACES: '  padded  ',
    TAB: 'a\tb',
    CR: 'a\rb',
    UNICODE: 'grüße ✓ 日本',
    EMPTY: '',
    HISTORY: '!! !$ !-1',
    BRACES: '${IFS}{a,b}*',
    SEMICOLON: `x; ${touch} #`,
  };
  const keys = Object.keys(values).sort();
  const envFile = () => path.join(server.home, 'home', 'myapp', 'ENV');
  /** Runs a bash script with `input` in the file $F (so `source "$F"` really sources it). */
  const bash = async (script: string, input: string) => {
    const file = path.join(server.dir, 'sourced');
    fs.writeFileSync(file, input);
    return execa('bash', ['-c', script], { env: { F: file }, stripFinalNewline: false, reject: false });
  };
  /** Prints each named variable NUL-terminated, so values with newlines survive. */
  const printVars = `for k in ${keys.join(' ')}; do printf '%s\\0' "\${!k}"; done`;

  before(async () => {
    server = await TestServer.start();
    assert.equal((await server.ssh(['apps:create', 'myapp'])).code, 0);
    client = await connect(server.sshPort, loadKey(server.admin.privateKey));
    installPlugin(server.home, 'cfgwatch', {
      'post-config-update': `#!/usr/bin/env bash\nprintf '%s\\0' "$@" > "${path.join(server.dir, 'trigger-args')}"\n`,
    });
    const pairs = keys.map((k) => q(`${k}=${values[k]}`)).join(' ');
    const set = await exec(client, `config:set --no-restart myapp ${pairs}`);
    assert.equal(set.code, 0, set.stderr);
  });
  after(async () => {
    client?.end();
    await server?.stop();
    fs.rmSync(marker, { force: true });
  });
  afterEach(() => assert.equal(fs.existsSync(marker), false, 'a config value was evaluated'));

  it('config:get returns every value byte for byte', async () => {
    for (const key of keys) {
      const r = await exec(client, `config:get myapp ${key}`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), `${values[key]}\n`, key);
    }
  });

  it('config:get --quoted is one shell word that evaluates back to the value', async () => {
    for (const key of keys) {
      const quoted = (await exec(client, `config:get --quoted myapp ${key}`)).stdout.toString();
      const r = await bash('eval "v=$(cat "$F")"; printf %s "$v"', quoted);
      assert.equal(r.stdout, values[key], key);
    }
  });

  // Dokku's config plugin passes the keys only (triggerUpdate(app, "set", keys)); the values stay in ENV.
  it('the post-config-update trigger got APP set KEY..., each key one argument, no value', () => {
    const args = fs.readFileSync(path.join(server.dir, 'trigger-args'), 'utf8').split('\0').slice(0, -1);
    assert.deepEqual(args, ['myapp', 'set', ...keys]);
  });

  it('the ENV file on disk, sourced by bash, gives back every value', async () => {
    const r = await bash(`set -e; source "$F"; ${printVars}`, fs.readFileSync(envFile(), 'utf8'));
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), keys.map((k) => values[k]));
  });

  const exported = async (format: string) => {
    const r = await exec(client, `config:export --format ${format} myapp`);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString();
  };

  it('--format exports, sourced by bash, gives back every value', async () => {
    const r = await bash(`set -e; source "$F"; ${printVars}`, await exported('exports'));
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), keys.map((k) => values[k]));
  });

  it('--format shell, evaluated by bash, gives back every value', async () => {
    const r = await bash(`set -e; eval "$(cat "$F")"; ${printVars}`, await exported('shell'));
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), keys.map((k) => values[k]));
  });

  it('--format docker-args, split by bash, gives one --env=KEY=VALUE word per key', async () => {
    const r = await bash(`set -e; eval "set -- $(cat "$F")"; printf '%s\\0' "$@"`, await exported('docker-args'));
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), keys.map((k) => `--env=${k}=${values[k]}`));
  });

  it('--format envfile (godotenv\'s, as Dokku), sourced by bash, runs nothing; newline, CR and ! stay escaped', async () => {
    const r = await bash(`set -e; source "$F"; ${printVars}`, await exported('envfile'));
    const escaped = (v: string) => v.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/!/g, '\\!');
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), keys.map((k) => escaped(values[k])));
  });

  for (const format of ['json', 'json-list']) {
    // Regression: `$(…)` inside a JSON string ran when the output was sourced; `$` and ` are now \u escapes.
    it(`regression: --format ${format} parses back to every value, and sourcing it in bash runs nothing`, async () => {
      const text = await exported(format);
      const parsed = JSON.parse(text) as Record<string, string> | Array<{ name: string; value: string }>;
      const map = Array.isArray(parsed) ? Object.fromEntries(parsed.map((e) => [e.name, e.value])) : parsed;
      assert.deepEqual(map, values);
      // set +B: brace expansion of a long json-list takes bash a minute; it never runs commands anyway.
      await bash('set +B; source "$F"', text);
      assert.equal(fs.existsSync(marker), false, `sourcing --format ${format} ran a command`);
    });
  }

  it('--format pretty (for people, not shells) shows single-line values verbatim, trimmed as Dokku\'s columns', async () => {
    const text = await exported('pretty');
    for (const key of keys.filter((k) => !/[\n\r]/.test(values[k]))) {
      assert.ok(text.split('\n').some((l) => l.startsWith(`${key}:`) && l.endsWith(values[key].trim()) ), key);
    }
  });

  it('--encoded values round-trip exactly (binary-ish UTF-8, newlines)', async () => {
    const raw = 'multi\nline\t$(x)\u0001\u00ff😀';
    const r = await exec(client, `config:set --encoded --no-restart myapp ENC=${Buffer.from(raw).toString('base64')}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await exec(client, 'config:get myapp ENC')).stdout.toString(), `${raw}\n`);
    assert.equal((await exec(client, 'config:unset --no-restart myapp ENC')).code, 0);
  });

  it('regression: a key longer than 255 characters is read back and survives later writes', async () => {
    const long = `K${'_'.repeat(299)}`;
    assert.equal((await exec(client, `config:set --no-restart myapp ${long}=kept`)).code, 0);
    assert.equal((await exec(client, `config:set --no-restart myapp OTHER=1`)).code, 0);
    assert.equal((await exec(client, `config:get myapp ${long}`)).stdout.toString(), 'kept\n');
    assert.equal((await exec(client, `config:unset --no-restart myapp ${long} OTHER`)).code, 0);
  });

  describe('invalid keys and pairs leave the ENV file byte-identical', () => {
    const badPairs = ['1BAD=x', 'BAD-KEY=x', 'BAD.KEY=x', '=x', ' K=x', 'K =x', 'K\n=x', `$(${touch})=x`, 'ÄKEY=x', '-x=1', `K;${touch}=x`, 'NOEQUALS', 'K\tX=1'];
    for (const pair of badPairs) {
      it(`config:set refuses ${JSON.stringify(pair)} with one line`, async () => {
        const before = fs.readFileSync(envFile());
        const r = await exec(client, `config:set --no-restart myapp ${q(pair)}`);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^ ! {5}[^\n]*\n$/);
        assert.deepEqual(fs.readFileSync(envFile()), before);
      });
    }

    it('one bad pair among good ones writes none of them', async () => {
      const before = fs.readFileSync(envFile());
      const r = await exec(client, `config:set --no-restart myapp GOOD1=1 ${q('1BAD=2')} GOOD2=3`);
      assert.equal(r.code, 1);
      assert.deepEqual(fs.readFileSync(envFile()), before);
    });

    it('--encoded with a value that is not base64 writes nothing', async () => {
      const before = fs.readFileSync(envFile());
      const r = await exec(client, `config:set --encoded --no-restart myapp GOOD=${q('not base64!')}`);
      assert.equal(r.code, 1);
      assert.deepEqual(fs.readFileSync(envFile()), before);
    });

    it('config:unset and config:get refuse invalid keys with one line', async () => {
      const before = fs.readFileSync(envFile());
      for (const line of [`config:unset --no-restart myapp ${q('BAD-KEY')}`, `config:get myapp ${q('$(x)')}`, `config:unset myapp QUOTES ${q('1BAD')}`]) {
        const r = await exec(client, line);
        assert.equal(r.code, 1, line);
        assert.match(r.stderr, /^ ! {5}[^\n]*\n$/, line);
      }
      assert.deepEqual(fs.readFileSync(envFile()), before);
    });
  });
});
