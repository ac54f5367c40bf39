// A one-off run's plumbing: attach before start so no output is lost, copy stdin in and the
// demultiplexed output out (honouring back-pressure), then wait for the exit code.
import type Dockerode from 'dockerode';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { DockerError } from './errors.js';
import { demuxFrames, type Frame } from './demux.js';

export interface OneOffIo {
  stdout: Writable;
  stderr: Writable;
  /** Sent to the container's stdin, which is closed when this stream ends. */
  stdin?: Readable;
  /** Aborting removes the container, which kills the command and ends the run. */
  signal?: AbortSignal;
}

interface WaitResult { StatusCode: number; Error?: { Message?: string } | null }

async function copyOut(frames: AsyncIterable<Frame>, io: OneOffIo): Promise<void> {
  for await (const frame of frames) {
    const out = frame.stream === 'stderr' ? io.stderr : io.stdout;
    if (!out.write(frame.data)) await once(out, 'drain');
  }
}

async function* raw(source: AsyncIterable<Buffer | string>): AsyncGenerator<Frame> {
  for await (const chunk of source) yield { stream: 'stdout', data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk };
}

/** What one `docker exec` asks: argv, and optionally a working directory and more environment. */
export interface ExecSpec { cmd: readonly string[]; workdir?: string; env?: Readonly<Record<string, string>> }

/**
 * `docker exec` without a tty: output demultiplexed to io, io.stdin copied in (its end closes the
 * command's stdin), resolves to the command's exit code. Aborting ends the attach.
 */
export async function execAttached(container: Dockerode.Container, spec: ExecSpec, io: OneOffIo): Promise<number> {
  const withStdin = io.stdin !== undefined;
  const exec = await container.exec({
    Cmd: [...spec.cmd], AttachStdout: true, AttachStderr: true, AttachStdin: withStdin, Tty: false,
    WorkingDir: spec.workdir, Env: spec.env === undefined ? undefined : Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
  });
  const stream = await exec.start({ hijack: true, stdin: withStdin });
  const onAbort = (): void => { stream.destroy(); };
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (io.stdin !== undefined) io.stdin.pipe(stream);
    await copyOut(demuxFrames(stream), io);
    if (io.signal?.aborted) throw new DockerError('exec', 'the caller went away');
    // The output ends as the command exits; the engine may take a moment to record its code.
    for (let tries = 0; tries < 50; tries++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new DockerError('exec', 'the command ended but the engine reports no exit code');
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    if (io.stdin !== undefined) io.stdin.unpipe(stream);
  }
}

/** Runs an already created container to completion; the caller removes it. */
export async function runAttached(container: Dockerode.Container, io: OneOffIo, tty: boolean): Promise<number> {
  const withStdin = io.stdin !== undefined;
  const attached = await container.attach({ stream: true, stdout: true, stderr: true, stdin: withStdin, hijack: withStdin });
  const copied = copyOut(tty ? raw(attached) : demuxFrames(attached), io);
  try {
    if (io.stdin !== undefined) io.stdin.pipe(attached);
    await container.start();
    const waited: WaitResult = await container.wait();
    // The attach stream ends when the container exits: wait for the last bytes to be copied.
    await copied;
    if (waited.Error?.Message) throw new DockerError('wait for container', waited.Error.Message);
    return waited.StatusCode;
  } catch (error) {
    if ('destroy' in attached && typeof attached.destroy === 'function') attached.destroy();
    await Promise.allSettled([copied]);
    throw error;
  } finally {
    if (io.stdin !== undefined) io.stdin.unpipe(attached);
  }
}
