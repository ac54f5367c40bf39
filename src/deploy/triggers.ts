// The deploy triggers, fired through the plugin host like any Dokku trigger. Stdout reaches the
// pusher; a non-zero exit fails the deploy (new processes stopped, the old release keeps serving).
//
// Which triggers, with which arguments and working directory: the table in
// src/plugins/trigger-table.ts (Dokku's catalogue), which `fire` follows.
//
// A failing `post-deploy` switches traffic back to the previous processes.
import { requestRun, type PluginHost } from '../plugins/host.js';
import type { RequestContext } from '../request-context.js';
import type { FiredTrigger, TriggerValues } from '../plugins/trigger-table.js';
import type { Out } from '../log.js';
import { DeployFailed, SlipwayError } from '../errors.js';

export type DeployTrigger = Extract<FiredTrigger,
  | 'pre-receive-app' | 'post-extract' | 'builder-create-dokku-image' | 'builder-dokku-image' | 'pre-build' | 'post-build'
  | 'pre-deploy' | 'check-deploy' | 'post-deploy' | 'post-stop' | 'pre-start' | 'pre-restore'>;

export interface TriggerScope {
  plugins: PluginHost;
  out: Out;
  /** Who pushed or ran the command (SSH_USER, SSH_NAME for the plugins) and the signal that stops it. */
  request: RequestContext;
}

/** Fire a deploy-phase trigger; a failure fails the deploy. Resolves to the captured answer when asked. */
export async function fire<N extends DeployTrigger>(scope: TriggerScope, name: N, values: TriggerValues<N>, options: { capture?: boolean } = {}): Promise<string> {
  stopIfAborted(scope, name);
  let answer: string;
  try {
    answer = await scope.plugins.fire(name, values, requestRun(scope.request, scope.out, { quiet: scope.out.quiet }), options);
  } catch (error) {
    stopIfAborted(scope, name);
    if (error instanceof SlipwayError) throw new DeployFailed(error.message, { cause: error });
    throw error;
  }
  // A script stopped by the abort may still exit 0 (a trap): the step did not finish all the same.
  stopIfAborted(scope, name);
  return answer;
}

/** The caller left (or the server is stopping): the deploy fails here, and what it started is undone by its caller. */
function stopIfAborted(scope: TriggerScope, name: string): void {
  if (scope.request.signal.aborted) throw new DeployFailed(`Deploy aborted (at ${name})`);
}
