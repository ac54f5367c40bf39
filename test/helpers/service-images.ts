// Images for the service-plugin tests, made without a registry: the host's own PostgreSQL and Redis
// (Debian's postgresql-15 and redis-server, installed by .ci/run), with every shared library they
// load (ldd), on the busybox base's applets, imported as slipway-test/postgres:15 and
// slipway-test/redis:7. A few seconds, against minutes for a debootstrapped Debian.
//
// The images' contract (what test/fixtures/plugins/dokku-svc relies on), host networking assumed:
//   postgres: POSTGRES_PASSWORD (required), POSTGRES_DB (default postgres), PORT (default 5432),
//             data in /var/lib/postgresql/data; listens on 127.0.0.1:PORT; psql in the image.
//   redis:    REDIS_PASSWORD (required), PORT (default 6379), data in /data; redis-cli in the image.
import { execFile } from 'node:child_process';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type tar from 'tar-stream';
import type { DockerClient, Labels } from '../../src/docker/index.js';
import { addEntry, addFile, busyboxRootfs } from './docker-base.js';

export const POSTGRES_IMAGE = 'slipway-test/postgres:15';
export const REDIS_IMAGE = 'slipway-test/redis:7';

const PG_ROOT = '/usr/lib/postgresql/15';
const PG_SHARE = '/usr/share/postgresql/15';
const REDIS_BINS = ['/usr/bin/redis-server', '/usr/bin/redis-cli'];

const run = promisify(execFile);

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Why the service images cannot be made here, or undefined when they can. */
export async function serviceImagesProblem(): Promise<string | undefined> {
  const missing: string[] = [];
  if (!(await exists(path.join(PG_ROOT, 'bin', 'postgres')))) missing.push('postgresql-15');
  for (const bin of REDIS_BINS) if (!(await exists(bin))) missing.push('redis-server');
  if (missing.length === 0) return undefined;
  return `the host has no ${[...new Set(missing)].join(' or ')} to build the service images from (.ci/run installs them: apt-get install -y postgresql-15 redis-server)`;
}

/** Every regular file under dir (symlinks included as paths). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/** The shared libraries an ELF file loads (absolute paths, the loader included); none for a script. */
async function libraries(file: string): Promise<string[]> {
  try {
    const { stdout } = await run('ldd', [file]);
    return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
  } catch {
    return []; // "not a dynamic executable": a script or a static file
  }
}

/**
 * Adds host paths to a tar with the same layout: each symlink on the way (merged-/usr's /lib,
 * /lib64) is kept as a symlink and its target added too, so the dynamic loader finds what ldd found.
 */
class HostCopy {
  private readonly added = new Set<string>();
  constructor(private readonly pack: tar.Pack, private readonly mtime: Date, private readonly taken: Set<string>) {}

  async add(file: string): Promise<void> {
    const parts = path.resolve(file).split('/').filter(Boolean);
    let current = '';
    for (let i = 0; i < parts.length; i++) {
      current = `${current}/${parts[i]}`;
      const name = current.slice(1);
      const info = await lstat(current);
      if (info.isSymbolicLink()) {
        const target = await readlink(current);
        if (!this.added.has(name) && !this.taken.has(name)) {
          this.added.add(name);
          await addEntry(this.pack, { name, type: 'symlink', linkname: target, mode: 0o777, mtime: this.mtime });
        }
        const resolved = path.resolve(path.dirname(current), target);
        await this.add(path.join(resolved, ...parts.slice(i + 1)));
        return;
      }
      if (this.added.has(name) || this.taken.has(name)) continue;
      this.added.add(name);
      if (info.isDirectory()) await addEntry(this.pack, { name, type: 'directory', mode: info.mode & 0o7777, mtime: this.mtime });
      else await addFile(this.pack, name, current, this.mtime, info.mode & 0o7777);
    }
  }
}

/** Paths the busybox base already has (directories and applets): never added twice. */
const BASE_PATHS = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'root', 'proc', 'sys', 'dev', 'var', 'tmp', 'etc/passwd', 'etc/group'];

async function hostRootfs(files: string[], elves: string[], extras: { passwd: string; group: string; scripts: Record<string, string>; dirs: string[] }): Promise<AsyncIterable<Buffer>> {
  const wanted = new Set<string>(files);
  for (const file of elves) for (const lib of await libraries(file)) wanted.add(lib);
  return busyboxRootfs({
    passwd: extras.passwd,
    group: extras.group,
    fill: async (pack, mtime) => {
      const copy = new HostCopy(pack, mtime, new Set(BASE_PATHS));
      for (const file of [...wanted].sort()) await copy.add(file);
      for (const dir of extras.dirs) await addEntry(pack, { name: dir, type: 'directory', mode: 0o755, mtime });
      for (const [name, content] of Object.entries(extras.scripts)) await addEntry(pack, { name, mode: 0o755, mtime }, content);
    },
  });
}

const POSTGRES_ENTRYPOINT = `#!/bin/sh
# Initialises the cluster on first start (password from POSTGRES_PASSWORD), then runs postgres as
# the postgres user on 127.0.0.1:PORT (host networking).
set -e
: "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
PORT="\${PORT:-5432}"
DB="\${POSTGRES_DB:-postgres}"
export PGDATA=/var/lib/postgresql/data
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres /var/lib/postgresql /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
  chown postgres /tmp/pwfile
  su -s /bin/sh postgres -c "initdb -D $PGDATA -U postgres --pwfile=/tmp/pwfile --auth=scram-sha-256 --encoding=UTF8 --locale=C" >/dev/null
  rm -f /tmp/pwfile
  if [ "$DB" != postgres ]; then
    su -s /bin/sh postgres -c "postgres --single -D $PGDATA postgres" <<SQL >/dev/null
CREATE DATABASE "$DB";
SQL
  fi
fi
exec su -s /bin/sh postgres -c "exec postgres -D $PGDATA -p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/run/postgresql"
`;

const REDIS_ENTRYPOINT = `#!/bin/sh
set -e
: "\${REDIS_PASSWORD:?REDIS_PASSWORD is required}"
mkdir -p /data
exec redis-server --port "\${PORT:-6379}" --bind 127.0.0.1 --requirepass "$REDIS_PASSWORD" --dir /data --save "" --appendonly yes
`;

/** Imports both images unless they are there already (same tags: delete them to rebuild). */
export async function ensureServiceImages(docker: DockerClient, labels: Labels = {}): Promise<void> {
  if (!(await docker.hasImage(POSTGRES_IMAGE))) {
    // Not llvmjit: it pulls in libLLVM (over 100 MB) for a JIT the tests never use.
    const programs = [...(await walk(path.join(PG_ROOT, 'bin'))), ...(await walk(path.join(PG_ROOT, 'lib'))).filter((f) => f.endsWith('.so') && !path.basename(f).startsWith('llvmjit'))];
    const files = [...programs, ...(await walk(PG_SHARE)), ...(await walk('/usr/share/zoneinfo/Etc')), '/usr/share/zoneinfo/UTC'];
    const rootfs = await hostRootfs(files, programs, {
      passwd: 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n',
      group: 'postgres:x:999:\n',
      scripts: { 'usr/local/bin/service-entrypoint': POSTGRES_ENTRYPOINT },
      dirs: ['usr/local', 'usr/local/bin', 'var/lib', 'var/lib/postgresql', 'run'],
    });
    await docker.importImage(rootfs, POSTGRES_IMAGE, {
      changes: [`ENV PATH=${PG_ROOT}/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, 'ENTRYPOINT ["/usr/local/bin/service-entrypoint"]'],
      labels,
    });
  }
  if (!(await docker.hasImage(REDIS_IMAGE))) {
    const rootfs = await hostRootfs(REDIS_BINS, REDIS_BINS, {
      passwd: 'redis:x:998:998:Redis:/data:/bin/sh\n',
      group: 'redis:x:998:\n',
      scripts: { 'usr/local/bin/service-entrypoint': REDIS_ENTRYPOINT },
      dirs: ['usr/local', 'usr/local/bin', 'data'],
    });
    await docker.importImage(rootfs, REDIS_IMAGE, {
      changes: ['ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'ENTRYPOINT ["/usr/local/bin/service-entrypoint"]'],
      labels,
    });
  }
}
