// 11.5: an argv is parsed once (src/commands/parse.ts) into the command every router step reads:
// global flags, help spellings, `--app` moved first, the core command's options and access rule.
// Nothing else in src/ splits global flags again (the CLI's path rewriting runs before forwarding).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boot, type Booted } from '../../src/boot.js';
import { loadSettings, packageRoot } from '../../src/settings.js';
import { parseCommand } from '../../src/commands/parse.js';
import { SlipwayError } from '../../src/errors.js';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('11.5: argv parsed once into a typed command', () => {
  let dir: string;
  let booted: Booted;
  const parse = (argv: string[]) => parseCommand(booted.registry, argv);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-parse-'));
    booted = boot(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads global flags, moves --app APP first and splits the core command\'s options', () => {
    const parsed = parse(['--quiet', '--app', 'shop', 'ps:scale', '--format', 'json']);
    assert.deepEqual(parsed.flags, { trace: false, quiet: true, force: false, app: 'shop' });
    assert.equal(parsed.command, 'ps:scale');
    assert.deepEqual(parsed.args, ['shop', '--format', 'json']);
    assert.equal(parsed.core?.name, 'ps:scale');
    assert.deepEqual(parsed.options?.positional, ['shop']);
    assert.equal(parsed.options?.values.get('--format'), 'json');
    assert.deepEqual(parsed.rule, { who: 'app' });
    assert.deepEqual(parsed.typed, { command: 'ps:scale', args: ['shop', '--format', 'json'] });
  });

  it('resolves Dokku\'s help spellings, keeping what was typed for the events log', () => {
    assert.deepEqual([parse(['ps', '--help']).command, parse(['ps', '--help']).typed.command], ['ps:help', 'ps']);
    assert.equal(parse(['-v']).command, 'version');
    assert.equal(parse(['ps']).command, 'ps:help');
    assert.equal(parse([]).command, 'help');
  });

  it('a plugin command keeps every word positional; options that do not parse wait for the access check', () => {
    const plugin = parse(['hello', 'shop', '--loud']);
    assert.equal(plugin.core, undefined);
    assert.deepEqual(plugin.options?.positional, ['shop', '--loud']);
    const bad = parse(['ps:scale', 'shop', '--format']);
    assert.equal(bad.options, undefined);
    assert.ok(bad.optionsError instanceof SlipwayError);
  });

  it('refuses global flags that do not parse', () => {
    assert.throws(() => parse(['--app']), /--app requires an app name/);
  });

  it('no module outside src/commands/ (and the CLI\'s path rewriting) splits global flags itself', () => {
    const callers = sources(path.join(packageRoot, 'src'))
      .filter((file) => /\bparseGlobalFlags\(/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(path.join(packageRoot, 'src'), file)).sort();
    assert.deepEqual(callers, ['cli/paths.ts', 'commands/argv.ts', 'commands/parse.ts']);
  });
});
