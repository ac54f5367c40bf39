// The docker-local properties Dokku's scheduler-docker-local plugin has (scheduler-docker-local:set):
// whether containers get the engine's init as PID 1, and how many process types start at once.
import type { Store } from '../../store/index.js';
import type { AppName } from '../../names.js';

export const DOCKER_LOCAL_PLUGIN = 'scheduler-docker-local';

/** Images that bring their own init (linuxserver.io's s6) get none injected unless a value is set, as in Dokku. */
const OWN_INIT_VENDOR = 'linuxserver.io';

export interface DockerLocalSettings {
  init: boolean;
  parallelScheduleCount: number;
}

export async function dockerLocalSettings(store: Store, app: AppName, imageLabels: Record<string, string>): Promise<DockerLocalSettings> {
  const get = (key: string) => store.properties.effective(DOCKER_LOCAL_PLUGIN, app, key);
  const init = await get('init-process');
  const count = Number(await get('parallel-schedule-count'));
  return {
    init: init === '' ? imageLabels['org.opencontainers.image.vendor'] !== OWN_INIT_VENDOR : init !== 'false',
    parallelScheduleCount: Number.isInteger(count) && count >= 1 ? count : 1,
  };
}
