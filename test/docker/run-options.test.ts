// The one translator of Dokku's docker options: words grouped one flag per option and stored as
// Dokku stores them, each honoured flag turned into create or build options, every other refused
// with a message naming it, and the engine's create options carrying the result.
import assert from 'node:assert/strict';
import {
  buildFlags, canonicalOption, containerOptions, groupOptionWords, optionWords, sameOption, withContainerOptions,
} from '../../src/docker/run-options.js';
import { createOptions } from '../../src/docker/spec.js';

const stored = (text: string): string[] => groupOptionWords(optionWords(text)).map(canonicalOption);

describe('docker options: words and storage (Dokku\'s SplitOptionString)', () => {
  it('groups words on flag boundaries and re-quotes them as Dokku does', () => {
    assert.deepEqual(stored('--build-arg X=Y --link a --link b'), ['--build-arg X=Y', '--link a', '--link b']);
    assert.deepEqual(stored('--label "a=b c" -e FOO=bar'), ["--label 'a=b c'", '-e FOO=bar']);
    assert.deepEqual(stored("--label \"it's\""), ["--label 'it'\\''s'"]);
    assert.deepEqual(stored('--ulimit nofile=12 --shm-size 256m'), ['--ulimit nofile=12', '--shm-size 256m']);
  });

  it('expands nothing: $VAR, $(…) and globs stay literal', () => {
    assert.deepEqual(optionWords('-e A=$HOME -e B=$(id) --label x=*'), ['-e', 'A=$HOME', '-e', 'B=$(id)', '--label', 'x=*']);
    assert.deepEqual(stored('-e A=$HOME'), ["-e 'A=$HOME'"]);
  });

  it('an unbalanced quote is refused', () => {
    assert.throws(() => optionWords('--label "a'), /Unable to parse docker option/);
  });

  it('matches a stored option by its words, however it was quoted', () => {
    assert.ok(sameOption("--label 'a b'", '--label "a b"'));
    assert.ok(!sameOption("--label 'a b'", '--label a b'));
  });
});

describe('docker options: deploy and run phases', () => {
  it('translates every honoured flag', () => {
    const o = containerOptions('deploy', [
      '-e FOO=bar', '--env=BAZ=1', '-eQ=2', '-v /srv/data:/data:ro', '--volume vol1:/cache', '--label a=b', '-l c',
      '-m 512m', '--cpus 1.5', '--shm-size 1g', '--ulimit nofile=1024:2048', '--restart always', '--add-host db:127.0.0.1',
      '-u 1000:1000', '-w /app', '--init=false', '--link pg:db', '-p 127.0.0.1:8080:5000',
    ], 'bridge');
    assert.deepEqual(o.env, { FOO: 'bar', BAZ: '1', Q: '2' });
    assert.deepEqual(o.binds, ['/srv/data:/data:ro', 'vol1:/cache']);
    assert.deepEqual(o.labels, { a: 'b', c: '' });
    assert.equal(o.memoryBytes, 512 * 1024 * 1024);
    assert.equal(o.nanoCpus, 1_500_000_000);
    assert.equal(o.shmSizeBytes, 1024 ** 3);
    assert.deepEqual(o.ulimits, [{ name: 'nofile', soft: 1024, hard: 2048 }]);
    assert.equal(o.restart, 'always');
    assert.deepEqual(o.extraHosts, ['db:127.0.0.1']);
    assert.equal(o.user, '1000:1000');
    assert.equal(o.workdir, '/app');
    assert.equal(o.init, false);
    assert.deepEqual(o.links, ['pg:db']);
    assert.deepEqual(o.ports, [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 5000 }]);
  });

  it('refuses a flag it cannot honour, naming it and the phase', () => {
    assert.throws(() => containerOptions('deploy', ['--privileged'], 'bridge'), /Slipway cannot apply docker option '--privileged' in the deploy phase \(honoured: /);
    assert.throws(() => containerOptions('run', ['-it'], 'bridge'), /docker option '-it' in the run phase/);
    assert.throws(() => containerOptions('run', ['--restart always'], 'bridge'), /one-off containers never restart/);
    assert.throws(() => containerOptions('deploy', ['FOO=bar'], 'bridge'), /'FOO=bar' is not a docker option/);
  });

  it('refuses --link and -p under host networking, with the reason', () => {
    assert.throws(() => containerOptions('deploy', ['--link pg:db'], 'host'), /'--link pg:db': .*host networking.*links need a bridge network/);
    assert.throws(() => containerOptions('run', ['-p 8080:5000'], 'host'), /'-p 8080:5000': .*host networking/);
  });

  it('refuses bad values with the option named', () => {
    for (const [option, why] of [
      ['-e FOO', /Slipway never passes on its own environment/], ['-e 1X=2', /not a valid variable name/],
      ['-v /data', /use \/host\/path/], ['-v ../x:/data', /neither an absolute host path nor a volume name/],
      ['-v /a/../b:/data', /absolute path without/], ['-m lots', /size/], ['--cpus 0', /number of CPUs/],
      ['--restart sometimes', /on-failure/], ['--label com.slipway.app=x', /Slipway's own/], ['-e A=1 B=2', /more than one value/],
      ['-w relative', /absolute path/], ['--ulimit bogus=1', /known limit/], ['--add-host db', /hostname:ip/], ['-e', /needs a value/],
    ] as const) {
      assert.throws(() => containerOptions('deploy', [option], 'bridge'), (e: Error) => e.message.includes(`'${option}'`) && why.test(e.message), option);
    }
  });

  it('applies over a spec: options win, except Slipway\'s labels and the env it keeps', () => {
    const spec = withContainerOptions(
      { image: 'x', env: { A: 'config', PORT: '5000' }, labels: { 'com.slipway.app': 'app' }, restart: { onFailure: 10 }, init: true },
      containerOptions('deploy', ['-e A=option', '-e PORT=1', '--label com.example=1', '--restart no', '-m 64m'], 'bridge'),
      ['PORT'],
    );
    assert.deepEqual(spec.env, { A: 'option', PORT: '5000' });
    const created = createOptions(spec);
    assert.equal(created.Labels?.['com.example'], '1');
    assert.equal(created.Labels?.['com.slipway.app'], 'app');
    assert.deepEqual(created.HostConfig?.RestartPolicy, { Name: 'no' });
    assert.equal(created.HostConfig?.Memory, 64 * 1024 * 1024);
    assert.equal(created.HostConfig?.Init, true);
  });

  it('the engine\'s create options refuse links on a host network (an engine without a bridge)', () => {
    assert.throws(() => createOptions({ image: 'x', network: 'host', links: ['pg:db'] }), /--link pg:db needs a bridge network/);
    assert.deepEqual(createOptions({ image: 'x', network: 'bridge', links: ['pg:db'] }).HostConfig?.Links, ['pg:db']);
  });
});

describe('docker options: build phase', () => {
  it('translates --build-arg, --label, --network and --no-cache', () => {
    assert.deepEqual(buildFlags(['--build-arg A=1', '--label x=y', '--network none', '--no-cache']), {
      buildArgs: { A: '1' }, labels: { x: 'y' }, networkMode: 'none', noCache: true,
    });
    assert.equal(buildFlags(['--network=bridge']).networkMode, 'default');
  });

  it('takes --link and leaves it out of the build (service plugins add it to build,deploy,run)', () => {
    assert.deepEqual(buildFlags(['--link pg:db', '--build-arg A=1']), { buildArgs: { A: '1' }, labels: {} });
  });

  it('refuses run flags and unknown networks', () => {
    assert.throws(() => buildFlags(['-v /a:/b']), /Slipway cannot apply docker option '-v \/a:\/b' in the build phase \(honoured: --build-arg/);
    assert.throws(() => buildFlags(['--network mynet']), /host, none or default/);
    // --target would build a stage without the image labels Slipway adds to the last one.
    assert.throws(() => buildFlags(['--target base']), /'--target base' in the build phase/);
    assert.throws(() => buildFlags(['--label "x=a$b"']), /written into the Dockerfile/);
  });
});
