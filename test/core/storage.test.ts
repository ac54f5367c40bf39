// storage:* beside Dokku's documented behaviour (docs/advanced-usage/persistent-storage.md, Dokku
// ≥ 0.38): named entries (create, destroy, info, list-entries, ensure-directory), mounting them,
// the report, `--quiet`; and a named entry really reaching a docker-local app pushed with git.
// Real server, OpenSSH and git; the last part needs the Docker Engine at DOCKER_HOST.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { eventually } from '../deploy/helpers.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { LABEL, type DockerClient } from '../../src/docker/index.js';

const W = ' !     ';

describe('storage:* named entries beside Dokku (real server, OpenSSH)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let storageDir: string;

  const ok = async (args: string[], input?: string) => {
    const r = await server.ssh(args, { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const bad = async (args: string[], line: string, code = 1) => {
    const r = await server.ssh(args);
    assert.equal(r.code, code, `${args.join(' ')} exits ${code}: ${r.stdout}`);
    assert.ok(r.stderr.split('\n').includes(line), `${args.join(' ')}: ${JSON.stringify(r.stderr)} has ${JSON.stringify(line)}`);
  };

  before(async () => {
    server = await TestServer.start();
    storageDir = path.join(server.home, 'lib', 'data', 'storage');
    await ok(['apps:create', 'shelf']);
  });
  after(async () => { await server?.stop(); });

  it('storage:create makes $DOKKU_LIB_ROOT/data/storage/NAME with the owner and mode asked for; again leaves it in place', async () => {
    const created = await ok(['storage:create', 'uploads', '--chown', 'herokuish', '--mode', '770']);
    const dir = path.join(storageDir, 'uploads');
    assert.deepEqual(created.stdout.split('\n'), [
      `       Created ${dir}`,
      '       Setting directory mode to 0770',
      '       Setting directory ownership to 32767:32767',
      '-----> Storage entry uploads created',
    ]);
    const stat = fs.statSync(dir);
    assert.ok(stat.isDirectory());
    assert.equal(stat.mode & 0o7777, 0o770);
    if (process.getuid?.() === 0) assert.deepEqual([stat.uid, stat.gid], [32767, 32767]);
    fs.writeFileSync(path.join(dir, 'kept.txt'), 'data\n');
    const again = await ok(['storage:create', 'uploads', '--chown', 'herokuish', '--mode', '770']);
    assert.match(again.stdout, /^-----> Storage entry uploads already exists, leaving in place$/m);
    assert.equal(fs.readFileSync(path.join(dir, 'kept.txt'), 'utf8'), 'data\n', 'an existing directory keeps its contents');
    // Dokku's registry file, where plugins read it.
    const file = path.join(server.home, 'lib', 'data', 'storage-registry', 'entries', 'uploads.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), {
      name: 'uploads', scheduler: 'docker-local', host_path: dir, chown: 'herokuish', mode: '0770', schema_version: 1,
    });
  });

  it('bad names, paths and flags are refused with Dokku-like messages and exit 1, and nothing is made', async () => {
    await bad(['storage:create', 'Bad_Name'], `${W}storage entry name "Bad_Name" must be a DNS-1123 label (lowercase letters, digits and dashes; no dash first or last)`);
    await bad(['storage:create', 'a'.repeat(46)], `${W}storage entry name "${'a'.repeat(46)}" is too long (at most 45 characters)`);
    await bad(['storage:create', 'legacy-mine'], `${W}storage entry name "legacy-mine" must not start with the reserved prefix "legacy-"`);
    await bad(['storage:create', 'owned', '--chown', 'nobody'], `${W}Unsupported chown permissions`);
    await bad(['storage:create', 'moded', '--mode', '999'], `${W}Unsupported directory mode "999": use a 3 or 4 digit octal mode such as 0755`);
    await bad(['storage:create', 'k8s', '--scheduler', 'k3s'], `${W}storage entry "k8s" has unsupported scheduler "k3s" (supported here: docker-local)`);
    const custom = path.join(server.dir, 'custom');
    await bad(['storage:create', 'elsewhere', custom, '--chown', 'root'],
      `${W}--chown only works on a storage entry at its default host path (${path.join(storageDir, 'elsewhere')}); leave out --chown and manage ${custom} yourself`);
    await bad(['storage:create', 'sneaky', '/srv/../etc'], `${W}storage entry "sneaky" host path must be an absolute path (no '..') or a Docker volume name, got "/srv/../etc"`);
    for (const name of ['Bad_Name', 'owned', 'moded', 'k8s', 'elsewhere', 'sneaky']) assert.equal(fs.existsSync(path.join(storageDir, name)), false, name);
    assert.equal(fs.existsSync(custom), false);
    await bad(['storage:info', 'nothing'], `${W}storage entry "nothing" does not exist`);
    await bad(['storage:destroy', 'nothing', '--force'], `${W}storage entry "nothing" does not exist`);
    await bad(['storage:info'], `${W}storage entry name is required`);
  });

  it('storage:info and storage:list-entries: Dokku\'s text, JSON and --quiet', async () => {
    const dir = path.join(storageDir, 'uploads');
    assert.equal((await ok(['storage:info', 'uploads'])).stdout, [
      '-----> Storage entry uploads',
      '       Scheduler:        docker-local',
      `       Host path:        ${dir}`,
      '       Chown:            herokuish',
      '       Mode:             0770',
    ].join('\n'));
    assert.deepEqual(JSON.parse((await ok(['storage:info', 'uploads', '--format', 'json'])).stdout),
      { name: 'uploads', scheduler: 'docker-local', host_path: dir, chown: 'herokuish', mode: '0770', schema_version: 1 });
    const custom = path.join(server.dir, 'custom-share');
    await ok(['storage:create', 'share', custom]);
    assert.ok(fs.statSync(custom).isDirectory(), 'a custom path is created too');
    const listed = (await ok(['storage:list-entries'])).stdout;
    assert.equal(listed, `-----> Storage entries:\n       share\tdocker-local\t${custom}\n       uploads\tdocker-local\t${dir}`);
    assert.equal((await ok(['--quiet', 'storage:list-entries'])).stdout, `       share\tdocker-local\t${custom}\n       uploads\tdocker-local\t${dir}`);
    const json = JSON.parse((await ok(['storage:list-entries', '--format', 'json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(json.map((e) => e.name), ['share', 'uploads']);
    assert.deepEqual((JSON.parse((await ok(['storage:list-entries', '--scheduler', 'k3s', '--format', 'json'])).stdout) as unknown[]), []);
    assert.equal((await ok(['storage:list-entries', '--scheduler', 'k3s'])).stdout, '-----> No storage entries registered');
  });

  it('storage:set NAME PROPERTY [VALUE] changes the entry (and its directory at once); no value unsets', async () => {
    const dir = path.join(storageDir, 'uploads');
    assert.equal((await ok(['storage:set', 'uploads', 'mode', '750'])).stdout, '       Setting directory mode to 0750\n       Setting directory ownership to 32767:32767\n-----> Storage entry uploads updated');
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o750);
    assert.match((await ok(['storage:info', 'uploads'])).stdout, /^ {7}Mode: {13}0750$/m);
    await ok(['storage:set', 'uploads', 'mode']);
    await ok(['storage:set', 'uploads', 'reclaim-policy', 'Retain']);
    assert.deepEqual(JSON.parse((await ok(['storage:info', 'uploads', '--format', 'json'])).stdout),
      { name: 'uploads', scheduler: 'docker-local', host_path: dir, chown: 'herokuish', reclaim_policy: 'Retain', schema_version: 1 });
    await ok(['storage:set', 'uploads', 'reclaim-policy']);
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o750, 'an unset mode leaves the directory alone');
    await bad(['storage:set', 'uploads'], `${W}No property specified`);
    await bad(['storage:set', 'uploads', 'colour', 'blue'], `${W}Invalid property specified, valid properties include: access-mode, chown, mode, namespace, reclaim-policy, size, storage-class-name`);
    await bad(['storage:set', 'uploads', 'access-mode', 'ReadWriteMany'], `${W}storage:set cannot change access-mode in place; recreate the entry`);
    await bad(['storage:set', 'uploads', 'size', '2Gi'], `${W}storage entry "uploads" (docker-local) does not accept size`);
    await bad(['storage:set', 'uploads', 'chown', 'nobody'], `${W}Unsupported chown permissions`);
    const custom = path.join(server.dir, 'custom-share');
    await bad(['storage:set', 'share', 'chown', 'root'],
      `${W}--chown only works on a storage entry at its default host path (${path.join(storageDir, 'share')}); leave out --chown and manage ${custom} yourself`);
    await bad(['storage:set', 'nothing', 'mode', '700'], `${W}storage entry "nothing" does not exist`);
  });

  it('storage:mount APP NAME --container-dir: listed, reported with Dokku\'s flags; the same mount again updates it', async () => {
    const dir = path.join(storageDir, 'uploads');
    await bad(['storage:mount', 'shelf', 'uploads'], `${W}--container-dir is required when mounting a named storage entry`);
    await bad(['storage:mount', 'shelf', 'missing', '--container-dir', '/app/x'], `${W}storage entry "missing" does not exist; create it first with \`dokku storage:create\``);
    await bad(['storage:mount', 'shelf', 'uploads', '--container-dir', '/app/x', '--volume-subpath', 'sub'],
      `${W}--volume-subpath is not supported by Slipway's mounts (they apply to every process type, at deploy and run)`);
    const mounted = await ok(['storage:mount', 'shelf', 'uploads', '--container-dir', '/app/storage']);
    assert.match(mounted.stdout, /^-----> Storage entry uploads mounted at \/app\/storage on shelf$/m);
    assert.equal(mounted.stderr, `${W}shelf runs on the process scheduler, which has no containers: mounts apply once it runs on docker-local (scheduler:set shelf selected docker-local)`);
    const updated = await ok(['storage:mount', 'shelf', 'uploads', '--container-dir', '/app/storage', '--volume-readonly']);
    assert.match(updated.stdout, /^-----> Storage entry uploads mount at \/app\/storage on shelf updated$/m);
    assert.equal((await ok(['storage:list', 'shelf'])).stdout, `-----> shelf volume bind-mounts:\n       ${dir}:/app/storage:ro`);
    assert.equal((await ok(['--quiet', 'storage:list', 'shelf'])).stdout, `${dir}:/app/storage:ro`);
    assert.deepEqual(JSON.parse((await ok(['storage:list', 'shelf', '--format', 'json'])).stdout),
      [{ entry_name: 'uploads', host_path: dir, container_path: '/app/storage', readonly: true }]);

    const report = (await ok(['storage:report', 'shelf'])).stdout.split('\n');
    assert.equal(report[0], '=====> shelf storage information');
    assert.match(report[1], /^ {7}Storage attachment 1 container path: +\/app\/storage$/);
    assert.ok(report.some((l) => /^ {7}Storage attachment 1 entry name: +uploads$/.test(l)), report.join('\n'));
    assert.ok(report.some((l) => l.trimEnd() === '       Storage build mounts:'), report.join('\n'));
    assert.ok(report.some((l) => new RegExp(`^ {7}Storage deploy mounts: +-v ${dir}:/app/storage:ro$`).test(l)), report.join('\n'));
    assert.equal((await ok(['storage:report', 'shelf', '--storage-run-mounts'])).stdout, `-v ${dir}:/app/storage:ro`);
    assert.equal((await ok(['storage:report', 'shelf', '--storage-attachment.1.readonly'])).stdout, 'true');
    const json = JSON.parse((await ok(['storage:report', 'shelf', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['attachment.1.entry-name'], 'uploads');
    assert.equal(json['storage-attachment.1.entry-name'], 'uploads', 'the legacy-prefixed key too');
    assert.equal(json['attachment.1.phases'], 'deploy,run');
    assert.equal(json['deploy-mounts'], `-v ${dir}:/app/storage:ro`);
    await bad(['storage:report', 'shelf', '--storage-nothing'], `${W}Invalid flag passed, valid flags: ${Object.keys(json).filter((k) => k.startsWith('storage-')).map((k) => `--${k}`).sort().join(', ')}`);
  });

  it('a colon-form mount shows as Dokku\'s legacy-<hash> entry; storage:report --global names who mounts what', async () => {
    const host = path.join(server.dir, 'colon');
    fs.mkdirSync(host);
    await ok(['storage:mount', 'shelf', `${host}:/colon`]);
    const legacy = JSON.parse((await ok(['storage:list', 'shelf', '--format', 'json'])).stdout) as Array<{ entry_name: string; host_path: string }>;
    const name = legacy.find((m) => m.host_path === host)?.entry_name ?? '';
    assert.match(name, /^legacy-[0-9a-f]{10}$/);
    assert.match((await ok(['storage:list-entries'])).stdout, new RegExp(`^ {7}${name}\tdocker-local\t${host}$`, 'm'));
    const inventory = (await ok(['storage:report', '--global'])).stdout;
    assert.match(inventory, /^-----> Storage report \(global\):$/m);
    assert.match(inventory, /^ {7}uploads\tdocker-local\tmounted by: shelf$/m);
    assert.match(inventory, /^ {7}share\tdocker-local\tmounted by: —$/m);
    const rows = JSON.parse((await ok(['storage:report', '--global', '--format', 'json'])).stdout) as Array<{ entry: { name: string }; mounted_by: string[] }>;
    assert.deepEqual(rows.find((r) => r.entry.name === name)?.mounted_by, ['shelf']);
    await ok(['storage:unmount', 'shelf', `${host}:/colon`]);
    assert.doesNotMatch((await ok(['storage:list-entries'])).stdout, new RegExp(name));
  });

  it('storage:destroy: refused while an app mounts the entry; asks to confirm; keeps the data unless told', async () => {
    const dir = path.join(storageDir, 'uploads');
    await bad(['storage:destroy', 'uploads', '--force'], `${W}storage entry "uploads" is still mounted by app(s): shelf`);
    assert.ok(fs.existsSync(path.join(dir, 'kept.txt')));
    await bad(['storage:unmount', 'shelf', 'uploads', '--container-dir', '/elsewhere'], `${W}storage entry "uploads" is not mounted at "/elsewhere" on app "shelf"`);
    const unmounted = await ok(['storage:unmount', 'shelf', 'uploads']);
    assert.match(unmounted.stdout, new RegExp(`^-----> Unmounted ${dir}:/app/storage:ro from shelf$`, 'm'));
    await bad(['storage:unmount', 'shelf', 'uploads'], `${W}storage entry "uploads" is not mounted on app "shelf"`);

    const refused = await server.ssh(['storage:destroy', 'uploads'], { input: 'no\n' });
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, [
      `${W}WARNING: Potentially Destructive Action`, `${W}This command will destroy storage entry uploads.`, `${W}To proceed, type "uploads"`, '',
      `> ${W}Confirmation did not match uploads. Aborted.`,
    ].join('\n'));
    const destroyed = await ok(['storage:destroy', 'uploads'], 'uploads\n');
    assert.equal(destroyed.stdout, '-----> Storage entry uploads destroyed');
    assert.equal(fs.readFileSync(path.join(dir, 'kept.txt'), 'utf8'), 'data\n', 'the host directory outlives its entry by default');
    await bad(['storage:info', 'uploads'], `${W}storage entry "uploads" does not exist`);

    await bad(['storage:destroy', 'share', '--force', '--destroy-host-dir'],
      `${W}--destroy-host-dir only works on a storage entry at its default host path (${path.join(storageDir, 'share')}); leave out --destroy-host-dir and manage ${path.join(server.dir, 'custom-share')} yourself`);
    // As Dokku's LogInfo1/LogVerbose lines, these stay under --quiet.
    assert.equal((await ok(['--quiet', 'storage:create', 'scratch'])).stdout, `       Created ${path.join(storageDir, 'scratch')}\n-----> Storage entry scratch created`);
    fs.writeFileSync(path.join(storageDir, 'scratch', 'tmp.txt'), 'x');
    const gone = await ok(['--force', 'storage:destroy', 'scratch', '--destroy-host-dir']);
    assert.match(gone.stdout, new RegExp(`^ {7}Removed ${path.join(storageDir, 'scratch')}$`, 'm'));
    assert.equal(fs.existsSync(path.join(storageDir, 'scratch')), false);
    await ok(['storage:create', 'reclaimed', '--reclaim-policy', 'Delete']);
    await ok(['storage:destroy', 'reclaimed', '--force']);
    assert.equal(fs.existsSync(path.join(storageDir, 'reclaimed')), false, 'reclaim policy Delete removes the default directory');
  });

  it('storage:ensure-directory prints Dokku\'s three lines and sets the preset owner; bad input exits 1', async () => {
    const r = await ok(['storage:ensure-directory', 'legacy_dir']);
    const dir = path.join(storageDir, 'legacy_dir');
    assert.equal(r.stdout, `-----> Ensuring ${dir} exists\n       Setting directory ownership to 32767:32767\n       Directory ready for mounting`);
    assert.equal(r.stderr, `${W}Deprecated: please use 'storage:create' instead of 'storage:ensure-directory'`);
    if (process.getuid?.() === 0) assert.equal(fs.statSync(dir).uid, 32767);
    for (const [preset, id] of [['heroku', 1000], ['paketo', 2000], ['root', 0]] as const) {
      const out = await ok(['storage:ensure-directory', '--chown', preset, `dir-${preset}`]);
      assert.match(out.stdout, new RegExp(`^ {7}Setting directory ownership to ${id}:${id}$`, 'm'));
      if (process.getuid?.() === 0) assert.equal(fs.statSync(path.join(storageDir, `dir-${preset}`)).uid, id);
    }
    const skipped = await ok(['storage:ensure-directory', '--chown', 'false', 'dir-false']);
    assert.doesNotMatch(skipped.stdout, /ownership/);
    await bad(['storage:ensure-directory'], `${W}Please specify a directory to create`);
    await bad(['storage:ensure-directory', 'no/slash'], `${W}Directory can only contain the following set of characters: [A-Za-z0-9_-]`);
    await bad(['storage:ensure-directory', '--chown', 'bogus', 'dir-x'], `${W}Unsupported chown permissions`);
    assert.equal(fs.existsSync(path.join(storageDir, 'dir-x')), false);
  });

  it('every storage command is in help --all and storage:help; entry commands are for admin keys only', async () => {
    const all = (await ok(['help', '--all'])).stdout;
    assert.match((await ok(['storage'])).stdout, /^ +storage:list-entries /m, 'a bare family name prints its help');
    const family = (await ok(['storage:help'])).stdout;
    for (const command of ['create', 'destroy', 'ensure-directory', 'info', 'list', 'list-entries', 'mount', 'report', 'set', 'unmount']) {
      assert.match(all, new RegExp(`^ +storage:${command} `, 'm'), command);
      assert.match(family, new RegExp(`^ +storage:${command} `, 'm'), command);
    }
    const dev = await makeKey(server.dir, 'dev');
    assert.equal((await server.dokku(['ssh-keys:add', 'dev', dev.publicKey])).code, 0);
    await ok(['acl:add', 'shelf', 'dev']);
    for (const args of [['storage:create', 'devs'], ['storage:list-entries'], ['storage:info', 'share'], ['storage:destroy', 'share', '--force'],
      ['storage:ensure-directory', 'devs'], ['storage:set', 'share', 'mode', '777'], ['storage:mount', 'shelf', 'share', '--container-dir', '/share'], ['storage:report', '--global']]) {
      const r = await server.ssh(args, { key: dev });
      assert.deepEqual([r.code, r.stderr], [1, `${W}Access denied`], args.join(' '));
    }
    assert.equal(fs.existsSync(path.join(storageDir, 'devs')), false);
    const report = await server.ssh(['storage:report', 'shelf', '--storage-build-mounts'], { key: dev });
    assert.deepEqual([report.code, report.stdout], [0, ''], 'a key granted the app reads its report');
  });
});

describe('a named storage entry reaches a docker-local app deployed with git push', function () {
  this.timeout(300_000);
  const APP = `shelf-${TEST_RUN}`.toLowerCase();
  const VOLUME = `shelfvol-${TEST_RUN}`.toLowerCase();
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
  });
  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: APP });
    await docker.removeByLabels(testLabels());
    await docker.removeVolume(VOLUME);
  });

  it('a file the app writes to --container-dir lands in the entry\'s host directory', async () => {
    const running = server as TestServer;
    for (const args of [['apps:create', APP], ['builder:set', APP, 'selected', 'dockerfile'], ['storage:create', 'shared-data', '--chown', 'root'],
      ['storage:mount', APP, 'shared-data', '--container-dir', '/data']]) {
      const r = await running.ssh(args);
      assert.deepEqual([r.code, r.stderr], [0, ''], args.join(' '));
    }
    const work = await appWork(running, {
      fixture: null,
      files: {
        Dockerfile: [
          'FROM slipway/busybox:latest',
          'RUN mkdir -p /www && echo shelf > /www/index.html',
          'HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:$PORT/ || exit 1',
          'CMD echo "written by $DYNO" > /data/from-app.txt && exec httpd -f -p 127.0.0.1:$PORT -h /www',
          '',
        ].join('\n'),
      },
    });
    const pushed = await work.push(APP);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    const file = path.join(running.home, 'lib', 'data', 'storage', 'shared-data', 'from-app.txt');
    const text = await eventually(async () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined), 200);
    assert.equal(text, 'written by web.1\n');
    const seen = await running.ssh(['run', APP, 'cat', '/data/from-app.txt']);
    assert.deepEqual([seen.code, seen.stdout], [0, 'written by web.1'], seen.stderr);
    const destroy = await running.ssh(['storage:destroy', 'shared-data', '--force']);
    assert.equal(destroy.code, 1);
    assert.equal(destroy.stderr, `${W}storage entry "shared-data" is still mounted by app(s): ${APP}`);
  });

  it('an entry backed by a Docker volume outlives apps:destroy of the app that mounted it first', async () => {
    const running = server as TestServer;
    const engine = docker as DockerClient;
    for (const args of [['storage:create', 'cache-vol', VOLUME], ['storage:mount', APP, 'cache-vol', '--container-dir', '/cache'], ['ps:restart', APP]]) {
      const r = await running.ssh(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const made = (await engine.listVolumes()).find((v) => v.name === VOLUME);
    assert.ok(made, 'the engine made the volume on restart');
    assert.equal(made.labels[LABEL.app], undefined, 'not labelled as the app\'s own');
    const wrote = await running.ssh(['run', APP, 'sh', '-c', 'echo kept > /cache/kept.txt']);
    assert.equal(wrote.code, 0, wrote.stderr);
    assert.equal((await running.ssh(['apps:destroy', APP, '--force'])).code, 0);
    assert.ok((await engine.listVolumes()).some((v) => v.name === VOLUME), 'apps:destroy left the entry\'s volume');
    assert.match((await running.ssh(['storage:report', '--global'])).stdout, /^ {7}cache-vol\tdocker-local\tmounted by: —$/m);
    const destroyed = await running.ssh(['storage:destroy', 'shared-data', '--force']);
    assert.deepEqual([destroyed.code, destroyed.stdout], [0, '-----> Storage entry shared-data destroyed'], destroyed.stderr);
    assert.ok(fs.existsSync(path.join(running.home, 'lib', 'data', 'storage', 'shared-data', 'from-app.txt')), 'the data stays');
  });
});
