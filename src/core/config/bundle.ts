// config:bundle's tar: one file per key (name = key, content = value, mode 0600), laid out as
// Go's archive/tar writes Dokku's (USTAR, zero owner and mtime, numbers as NUL-ended octal, two
// zero blocks at the end). Written here rather than with tar-stream, whose number fields differ.
import type { EnvMap } from '../../store/env-file.js';
import { UsageError } from '../../errors.js';

const BLOCK = 512;

function octal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function entryHeader(name: Buffer, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  name.copy(header, 0);
  octal(header, 100, 8, 0o600); // mode
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, size);
  octal(header, 136, 12, 0); // mtime
  header.write('0', 156, 'ascii'); // regular file
  header.write('ustar\0' + '00', 257, 'ascii');
  octal(header, 329, 8, 0); // devmajor
  octal(header, 337, 8, 0); // devminor
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** The whole archive (an environment is small: config:import caps it at 8 MiB). */
export function envBundle(env: EnvMap): Buffer {
  const parts: Buffer[] = [];
  for (const key of [...env.keys()].sort()) {
    const name = Buffer.from(key);
    // Go would switch to a PAX header here; no real key is this long.
    if (name.length > 100) throw new UsageError(`Key ${key.slice(0, 40)}… is longer than a tar name (100 bytes)`);
    const value = Buffer.from(env.get(key) ?? '');
    parts.push(entryHeader(name, value.length), value, Buffer.alloc((BLOCK - (value.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
