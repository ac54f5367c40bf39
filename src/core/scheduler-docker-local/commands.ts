// scheduler-docker-local:* — Dokku's docker-local scheduler properties: `init-process` (false: no
// init as PID 1, for images bringing their own, e.g. s6) and `parallel-schedule-count` (how many
// process types start at once after web). src/scheduler/docker-local/settings.ts reads them.
import { runReport, type ReportRows } from '../report/run-report.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Services } from '../../services.js';
import { computedProperty, propertyOf, setProperty } from '../shared/property-set.js';
import { UsageError } from '../../errors.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { shown } from '../../names.js';
import { DOCKER_LOCAL_PLUGIN } from '../../scheduler/docker-local/settings.js';

const SET_USAGE = 'scheduler-docker-local:set (<app>|--global) <key> [<value>]';
const KEYS = ['init-process', 'parallel-schedule-count'];
const DEFAULTS: Record<string, string> = { 'init-process': 'true', 'parallel-schedule-count': '1' };

export const schedulerDockerLocalCommands: CommandSet = {
  plugin: DOCKER_LOCAL_PLUGIN,
  summary: 'Settings of the docker-local scheduler (init-process, parallel-schedule-count)',
  access: { who: 'app' },
  commands: [
    {
      name: 'scheduler-docker-local:set',
      help: { usage: SET_USAGE, description: 'Set or clear a docker-local property: init-process true|false, parallel-schedule-count N' },
      run: async (inv, services) => {
        await setProperty(inv, services, {
          plugin: DOCKER_LOCAL_PLUGIN,
          noun: 'key',
          app: KEYS,
          global: KEYS,
          check(key, value) {
            if (key === 'init-process' && value !== 'true' && value !== 'false') throw new UsageError(`Invalid init-process ${shown(value)}: true or false`);
            if (key === 'parallel-schedule-count' && !/^[1-9]\d{0,2}$/.test(value)) throw new UsageError(`Invalid parallel-schedule-count ${shown(value)}: a whole number from 1`);
          },
        });
      },
    },
    {
      name: 'scheduler-docker-local:report',
      help: { usage: 'scheduler-docker-local:report [<app>|--global] [<flag>]', description: 'Display the docker-local scheduler settings of an app, or all apps' },
      run: (inv, services) => {
        const own = (scope: Scope, key: string) => propertyOf(services, DOCKER_LOCAL_PLUGIN, scope, key);
        const computed = (scope: Scope, key: string) => computedProperty(services, DOCKER_LOCAL_PLUGIN, scope, key, DEFAULTS[key]);
        const rows = async (scope: Scope): Promise<ReportRows> => [
          ['--scheduler-docker-local-computed-init-process', await computed(scope, 'init-process')],
          ['--scheduler-docker-local-computed-parallel-schedule-count', await computed(scope, 'parallel-schedule-count')],
          ['--scheduler-docker-local-global-init-process', await own(GLOBAL, 'init-process')],
          ['--scheduler-docker-local-global-parallel-schedule-count', await own(GLOBAL, 'parallel-schedule-count')],
          // --global has no app rows (Dokku's report too).
          ...(scope === GLOBAL ? [] : [
            ['--scheduler-docker-local-init-process', await own(scope, 'init-process')],
            ['--scheduler-docker-local-parallel-schedule-count', await own(scope, 'parallel-schedule-count')],
          ] as ReportRows),
        ];
        return runReport(inv, services, { type: 'scheduler-docker-local', app: rows, global: () => rows(GLOBAL) });
      },
    },
  ],
};

