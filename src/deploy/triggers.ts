// The deploy triggers, fired through the plugin host like any Dokku trigger. Stdout reaches the
// pusher; a non-zero exit fails the deploy (new processes stopped, the old release keeps serving).
//
// | trigger        | fired                                                    | arguments                      |
// | -------------- | -------------------------------------------------------- | ------------------------------ |
// | `pre-receive-app` | tree extracted, builder chosen (push, rebuild)        | `APP BUILDER BUILD_DIR REV`    |
// | `pre-build`    | after the tree is extracted, before the builder runs     | `APP BUILDER BUILD_DIR`        |
// | `post-build`   | after a successful build, before the release is recorded | `APP BUILDER BUILD_DIR`        |
// | `pre-deploy`   | before new processes start (deploy, rollback, restart,   | `APP vN`                       |
// |                | scale, ps:start, restore at server start)                |                                |
// | `check-deploy` | per web process, after the built-in checks passed        | `APP DYNO PROC_TYPE PORT HOST` |
// | `post-deploy`  | after the proxy switched to the new processes            | `APP PORT HOST vN`             |
//
// | `post-stop`    | after ps:stop stopped every process                      | `APP`                          |
//
// A failing `post-deploy` switches traffic back to the previous processes.
import { Readable } from 'node:stream';
import type { PluginHost, RunContext } from '../plugins/host.js';
import type { Out } from '../log.js';
import { DeployFailed, SlipwayError } from '../errors.js';

export type DeployTrigger = 'pre-receive-app' | 'post-stop' | 'pre-build' | 'post-build' | 'pre-deploy' | 'check-deploy' | 'post-deploy';

export interface TriggerScope {
  plugins: PluginHost;
  out: Out;
  signal: AbortSignal;
  /** The key that pushed or ran the command (SSH_NAME for the plugins). */
  keyName: string;
}

function context(scope: TriggerScope): RunContext {
  return {
    identity: { user: 'dokku', keyName: scope.keyName, fingerprint: '', admin: false, remote: false },
    flags: { trace: false, quiet: Boolean(scope.out.quiet), force: false },
    trace: false,
    io: { stdin: Readable.from([]), stdout: scope.out.stdout, stderr: scope.out.stderr, tty: false },
    signal: scope.signal,
  };
}

export async function fire(scope: TriggerScope, name: DeployTrigger, args: string[]): Promise<void> {
  try {
    await scope.plugins.trigger(name, args, context(scope));
  } catch (error) {
    if (error instanceof SlipwayError) throw new DeployFailed(error.message, { cause: error });
    throw error;
  }
}
