#!/usr/bin/env node
// The `sigil` command on plugins' PATH (bin/sigil): `sigil [-p] [-f FILE | -i TEXT] [-V VARS_FILE …]
// [VAR=value …]`, the template from FILE, TEXT or stdin; output on stdout; an error is one line on
// stderr, exit 1.
import fs from 'node:fs';
import path from 'node:path';
import { expandPosix } from './posix.js';
import { render, SigilError } from './index.js';
import { readVarsFile } from './vars-file.js';
import type { Value } from './values.js';

const VERSION = '0.12.1-slipway';
const USAGE = 'usage: sigil [-p] [-f FILE | -i TEXT] [--in-place] [-V VARS_FILE …] [VAR=value …]';

interface Args { file?: string; inline?: string; posix: boolean; inPlace: boolean; version: boolean; varsFiles: string[]; vars: Record<string, string> }

function parseArgs(argv: string[]): Args | string {
  const args: Args = { posix: false, inPlace: false, version: false, varsFiles: [], vars: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (flag: string) => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      if (!a.startsWith('--') && a.length > 2) return a.slice(2);
      if (i + 1 >= argv.length) throw new Error(`flag needs an argument: ${flag}`);
      return argv[++i];
    };
    if (a === '-f' || a.startsWith('--filename') || (a.startsWith('-f') && !a.startsWith('--'))) args.file = value('-f');
    else if (a === '-i' || a.startsWith('--inline') || (a.startsWith('-i') && !a.startsWith('--'))) args.inline = value('-i');
    else if (a === '-V' || a.startsWith('--vars-file') || (a.startsWith('-V') && !a.startsWith('--'))) args.varsFiles.push(value('-V'));
    else if (a === '-p' || a === '--posix') args.posix = true;
    else if (a === '-v' || a === '--version') args.version = true;
    else if (a === '--in-place') args.inPlace = true;
    else if (a === '-h' || a === '--help') return USAGE;
    else if (a.startsWith('-') && a.length > 1) return `unknown flag: ${a}\n${USAGE}`;
    else {
      const eq = a.indexOf('=');
      if (eq > 0) args.vars[a.slice(0, eq)] = a.slice(eq + 1);
    }
  }
  return args;
}

export function main(argv: string[]): number {
  let args: Args | string;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return args === USAGE ? 0 : 2;
  }
  if (args.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.inPlace && !args.file) {
    process.stderr.write('--in-place requires -f/--filename\n');
    return 1;
  }
  // Files in order, each over the last; KEY=value arguments over them all.
  const values = new Map<string, Value>();
  try {
    for (const file of args.varsFiles) for (const [k, v] of readVarsFile(file)) values.set(k, v);
  } catch (error) {
    process.stderr.write(`${(error as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
  try {
    let template: string;
    let name: string;
    const paths = (process.env.SIGIL_PATH ?? '').split(':').filter(Boolean);
    if (args.file) {
      template = fs.readFileSync(args.file, 'utf8');
      name = path.basename(args.file);
      paths.unshift(path.dirname(args.file));
    } else if (args.inline) {
      template = args.inline;
      name = '<inline>';
    } else {
      template = fs.readFileSync(0, 'utf8');
      name = '<stdin>';
    }
    const fileStrings = Object.fromEntries([...values].filter((e): e is [string, string] => typeof e[1] === 'string'));
    if (args.posix) template = expandPosix(template, { ...process.env, ...fileStrings, ...args.vars });
    const delims = process.env.SIGIL_DELIMS?.split(',');
    const out = render(template, args.vars, { name, paths, values, delims: delims && delims.length >= 2 ? [delims[0], delims[1]] : undefined });
    if (args.inPlace && args.file) {
      const tmp = path.join(path.dirname(args.file), `.sigil-${process.pid}`);
      fs.writeFileSync(tmp, out, { mode: fs.statSync(args.file).mode & 0o7777 });
      fs.renameSync(tmp, args.file);
    } else {
      process.stdout.write(out);
    }
    return 0;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const message = error instanceof SigilError ? e.message
      : e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' ? `open ${e.path ?? args.file}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : 'permission denied'}`
        : e.message;
    process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
