// Dokku's trigger catalogue, one row per trigger of its plugin-triggers page: the arguments in
// Dokku's order, and whether Slipway fires it, its core answers it, or why it does not apply.
// The firing code takes its argv and working directory from here; tests check both against it.

/**
 * fired: Slipway fires it (note: when); core: Slipway's core answers it when a plugin fires it with
 * `plugn trigger` (note: what it prints); n/a: neither (note: why it cannot exist here).
 */
export type TriggerStatus = 'fired' | 'core' | 'n/a';

/**
 * The working directory of a fired trigger: root is $DOKKU_ROOT (the dokku user's home, where
 * Dokku's commands run), source the extracted source tree (Dokku's builders pushd into it),
 * plugin the plugin's own folder at $PLUGIN_AVAILABLE_PATH/NAME.
 */
export type TriggerCwd = 'root' | 'source' | 'plugin';

/**
 * One argument: `NAME`, `[NAME]` (optional, only at the end) or `...NAME` (the rest, last).
 * Every fired trigger's stdin is empty (/dev/null), as when Dokku fires it outside a pipe.
 */
export interface TriggerSpec {
  readonly args: readonly string[];
  readonly status: TriggerStatus;
  /** fired: when; core: what it answers; n/a: a key of NOT_APPLICABLE. */
  readonly note: string;
  readonly cwd?: TriggerCwd;
}

/** Why a trigger of the catalogue does not apply here, by family (the `note` of an n/a row). */
export const NOT_APPLICABLE = {
  'internal': "Dokku's core plugins call it among themselves; Slipway's core does that step in TypeScript, and a plugin runs the `dokku` command instead",
  'proxy': "proxying is built in (src/proxy/): the built-in proxy, or nginx with the config Slipway writes (its nginx triggers are fired); there is no haproxy, traefik, caddy or openresty config, and no proxy plugin to configure",
  'scheduler': "processes run under Slipway's built-in scheduler engines (process, docker-local), not under scheduler plugins",
  'builder': "builders are built in (dockerfile, native): there is no herokuish, pack or lambda builder to hook",
  'docker-args': "containers are created through the Docker Engine API, not the docker CLI: raw `docker run` arguments from plugins cannot be applied",
  'property': "a property lookup inside Dokku's Go core; plugins read the same values with `dokku NAME:report APP --FLAG`",
  'storage': "storage entries on schedulers (k3s) do not exist: storage is a bind mount of the built-in engines",
  'cron': "app.json cron tasks (and those plugins inject with cron-entries) are run by the server's own runner (src/core/cron/runner.ts), not written to a crontab, so there is no crontab to write or host cron to ask about; plugins read cron properties with `dokku cron:report`",
  'certs': "TLS is terminated by the built-in proxy; certificates are not handed between plugins",
  'app-json': "app.json is read by the core itself (no app-json plugin)",
  'git-source': "git:from-archive and git:from-image are core commands with no plugin hooks",
} as const;

/** Dokku's catalogue, in the order of its documentation page. */
export const TRIGGERS = {
  'app-create': { args: ['APP'], status: 'n/a', note: 'internal' },
  'app-destroy': { args: ['APP'], status: 'n/a', note: 'internal' },
  'app-exists': { args: ['APP'], status: 'core', note: "the apps core: prints true/false and exits 1 for a missing app" },
  'app-list': { args: ['FILTER'], status: 'core', note: "the apps core: one app name a line" },
  'app-json-process-deploy-parallelism': { args: ['APP', 'PROCESS_TYPE'], status: 'n/a', note: 'app-json' },
  'app-json-get-content': { args: ['APP'], status: 'n/a', note: 'app-json' },
  'app-json-is-valid': { args: ['APP', 'APP_JSON_PATH'], status: 'n/a', note: 'app-json' },
  'app-maybe-create': { args: ['APP'], status: 'n/a', note: 'internal' },
  'app-restart': { args: ['APP'], status: 'n/a', note: 'internal' },
  'app-urls': { args: ['APP', 'URL_TYPE'], status: 'n/a', note: 'internal' },
  'builder-build': { args: ['BUILDER_TYPE', 'APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'builder-create-dokku-image': { args: ['BUILDER_TYPE', 'APP', 'SOURCECODE_WORK_DIR', 'DOKKU_IMAGE'], status: 'fired', note: "deploy, before pre-build; non-zero fails the deploy", cwd: 'source' },
  'builder-detect': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'builder-dokku-image': { args: ['BUILDER_TYPE', 'APP', 'SOURCECODE_WORK_DIR', 'DOKKU_IMAGE'], status: 'fired', note: "deploy, before pre-build; the answer (an image) is shown but unused: the built-in builders take no herokuish base image", cwd: 'source' },
  'builder-get-property': { args: ['APP', 'KEY'], status: 'n/a', note: 'property' },
  'builder-herokuish-allowed': { args: ['APP'], status: 'n/a', note: 'builder' },
  'builder-image-is-cnb': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'builder-image-is-herokuish': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'builder-release': { args: ['BUILDER_TYPE', 'APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'buildpack-stack-name': { args: ['APP'], status: 'n/a', note: 'builder' },
  'caddy-template-source': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'certs-exists': { args: ['APP'], status: 'n/a', note: 'certs' },
  'certs-force': { args: ['APP'], status: 'n/a', note: 'certs' },
  'certs-get': { args: ['APP', 'KEY_TYPE'], status: 'n/a', note: 'certs' },
  'certs-remove': { args: ['APP'], status: 'n/a', note: 'certs' },
  'certs-set': { args: ['APP', 'CRT_FILE', 'KEY_FILE'], status: 'n/a', note: 'certs' },
  'check-deploy': { args: ['APP', 'CONTAINER_ID', 'PROC_TYPE', 'PORT', 'IP'], status: 'fired', note: "deploy, each web process after the built-in checks passed; non-zero fails the deploy", cwd: 'root' },
  'checks-get-property': { args: ['APP', 'KEY'], status: 'n/a', note: 'property' },
  'config-export': { args: ['APP', 'GLOBAL', 'MERGED', 'FORMAT'], status: 'core', note: "the config core: the app's, global or merged config in FORMAT, as config:export prints it (APP|--global [FORMAT] also works)" },
  'config-get': { args: ['APP', 'KEY'], status: 'core', note: "the config core: prints the value of KEY for APP" },
  'config-get-global': { args: ['KEY'], status: 'core', note: "the config core: prints the global value of KEY" },
  'config-migrate-env': { args: [], status: 'n/a', note: 'internal' },
  'config-set': { args: ['[NO_RESTART]', 'APP', '...PAIRS'], status: 'n/a', note: 'internal' },
  'core-post-deploy': { args: ['APP', 'INTERNAL_PORT', 'INTERNAL_IP_ADDRESS', 'IMAGE_TAG'], status: 'n/a', note: 'internal' },
  'core-post-extract': { args: ['APP', 'TMP_WORK_DIR', 'REV'], status: 'n/a', note: 'internal' },
  'cron-get-property': { args: ['APP', 'KEY'], status: 'n/a', note: 'property' },
  'cron-entries': { args: ['DOKKU_SCHEDULER'], status: 'fired', note: "cron:list --global, and the server's cron runner every minute, with `docker-local` (the one scheduler whose cron Dokku writes; Slipway's runner does that job for every engine); each line `SCHEDULE;COMMAND[;LOGFILE]` is a task run by bash at its times, output appended to LOGFILE, else to the server log", cwd: 'root' },
  'dependencies': { args: [], status: 'fired', note: "plugin:install (the new plugin, in place, before install), plugin:install-dependencies and plugin:install without a source (every plugin); non-zero undoes the install", cwd: 'plugin' },
  'deploy': { args: ['APP', '[IMAGE_TAG]', '[PROC_TYPE]'], status: 'n/a', note: 'internal' },
  'deployed-app-image-repo': { args: ['APP'], status: 'core', note: "the registry core: the app's image repository (image-repo, else the rendered image-repo-template, else dokku/APP); a template that fails to render exits 1" },
  'deployed-app-image-tag': { args: ['APP'], status: 'core', note: "the registry core: with push-on-release true, the last tag pushed (tag-version, 1 before any push); nothing otherwise" },
  'deployed-app-repository': { args: ['APP'], status: 'core', note: "the registry core: the registry server with a trailing slash (SERVER/), empty for Docker Hub" },
  'deploy-source-set': { args: ['APP', 'SOURCE_TYPE', 'METADATA'], status: 'n/a', note: 'git-source' },
  'docker-args-build': { args: ['APP', 'IMAGE_SOURCE_TYPE'], status: 'n/a', note: 'docker-args' },
  'docker-args-deploy': { args: ['APP', 'IMAGE_TAG', '[PROC_TYPE]', '[CONTAINER_INDEX]'], status: 'n/a', note: 'docker-args' },
  'docker-args-process-build': { args: ['APP', 'IMAGE_SOURCE_TYPE'], status: 'n/a', note: 'docker-args' },
  'docker-args-process-deploy': { args: ['APP', 'IMAGE_SOURCE_TYPE', 'IMAGE_TAG', '[PROC_TYPE]', '[CONTAINER_INDEX]'], status: 'n/a', note: 'docker-args' },
  'docker-args-process-run': { args: ['APP', 'IMAGE_SOURCE_TYPE', 'IMAGE_TAG'], status: 'n/a', note: 'docker-args' },
  'docker-args-run': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'docker-args' },
  'domains-add': { args: ['APP', 'DOMAIN'], status: 'n/a', note: 'internal' },
  'domains-disable': { args: ['APP', 'RESTART_APP'], status: 'n/a', note: 'proxy' },
  'domains-enable': { args: ['APP', 'RESTART_APP'], status: 'n/a', note: 'proxy' },
  'domains-list': { args: ['APP'], status: 'n/a', note: 'internal' },
  'domains-urls': { args: ['APP', 'URL_TYPE'], status: 'n/a', note: 'internal' },
  'domains-vhost-enabled': { args: ['APP'], status: 'core', note: "the domains core: exits 0 when the app has vhosts, 1 after domains:disable (NO_VHOST=1)" },
  'git-deploy-branch': { args: ['APP'], status: 'n/a', note: 'internal' },
  'git-get-property': { args: ['APP', 'KEY'], status: 'n/a', note: 'property' },
  'git-from-archive': { args: ['APP', 'ARCHIVE_URL', 'ARCHIVE_TYPE', 'USER_NAME', 'USER_EMAIL'], status: 'n/a', note: 'git-source' },
  'git-from-directory': { args: ['APP', 'SOURCECODE_WORK_DIR', 'USER_NAME', 'USER_EMAIL'], status: 'n/a', note: 'git-source' },
  'git-from-image': { args: ['APP', 'DOCKER_IMAGE', 'BUILD_DIR', 'USER_NAME', 'USER_EMAIL'], status: 'n/a', note: 'git-source' },
  'git-has-code': { args: ['APP', 'BRANCH_NAME'], status: 'n/a', note: 'internal' },
  'git-post-pull': { args: ['APP'], status: 'n/a', note: 'internal' },
  'git-pre-pull': { args: ['APP'], status: 'n/a', note: 'internal' },
  'git-revision': { args: ['APP'], status: 'n/a', note: 'internal' },
  'install': { args: [], status: 'fired', note: "server start and plugin:install without a source (every plugin); plugin:install SOURCE (the new plugin, in place at $PLUGIN_AVAILABLE_PATH/NAME); non-zero undoes the install", cwd: 'plugin' },
  'haproxy-template-source': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'logs-get-property': { args: ['APP', 'KEY'], status: 'n/a', note: 'property' },
  'network-build-config': { args: ['APP'], status: 'core', note: "the network core: nothing to write (the server keeps where each app's processes listen); prints nothing" },
  'network-clear-config': { args: ['APP'], status: 'fired', note: "proxy:clear-config, for each app cleared whose proxy type is nginx (as Dokku's nginx fires it), before proxy-clear-config", cwd: 'root' },
  'network-config-exists': { args: ['APP'], status: 'core', note: "the network core: true when the app has web listeners (running web processes or a static-web-listener), else false" },
  'network-get-ipaddr': { args: ['APP', 'PROC_TYPE', 'CONTAINER_ID'], status: 'core', note: "the network core: the address the proxy reaches that process at (the static-web-listener's host for web)" },
  'network-get-listeners': { args: ['APP', 'PROCESS_TYPE'], status: 'core', note: "the network core: the listeners of the app's processes of that type, `host:port` separated by spaces (web: the static-web-listener when set; a process without a port of its own: port 5000, Dokku's default)" },
  'network-get-property': { args: ['APP', 'KEY'], status: 'core', note: "the network core: the computed value of KEY (attach-post-create, attach-post-deploy, bind-all-interfaces, initial-network, tld)" },
  'network-get-static-listeners': { args: ['APP', 'PROCESS_TYPE'], status: 'core', note: "the network core: the app's static-web-listener, or an empty line" },
  'network-write-ipaddr': { args: ['APP', 'PROC_TYPE', 'CONTAINER_INDEX', 'IP_ADDRESS'], status: 'n/a', note: 'proxy' },
  'network-write-port': { args: ['APP', 'PROC_TYPE', 'CONTAINER_INDEX', 'PORT'], status: 'n/a', note: 'proxy' },
  'nginx-app-template-source': { args: ['APP', 'TEMPLATE_TYPE'], status: 'fired', note: "each nginx.conf written for an app of proxy type nginx, TEMPLATE_TYPE app-config: the answer is the path of a sigil template used in place of Slipway's own while the app has web listeners (an app's own nginx.conf.sigil still comes first; a deploy then prints Dokku's `Configuring NAME...(using plugin-supplied template)` for each of the app's names); a deploy's pre-validation of a pushed nginx.conf.sigil, and nginx:validate-config's check of each app's nginx.conf when nginx refuses the whole configuration, TEMPLATE_TYPE validate-config: the path of the wrapper template (NGINX_CONF) nginx -t checks it in; non-zero, or a path that cannot be read, fails that step", cwd: 'root' },
  'nginx-dokku-template-source': { args: [], status: 'fired', note: "install (server start, plugin:install without a source), when a server runs: the answer is the path of a sigil template (DOKKU_ROOT, NGINX_ROOT /etc/nginx) for dokku.conf, rendered in place of Slipway's shared http settings (server_tokens, TLS session cache, the include of every app's nginx.conf); an answer that names no file keeps Slipway's; one that does not render, or that nginx refuses, is a warning and Slipway's stay", cwd: 'root' },
  'nginx-hostname': { args: ['APP', 'SUBDOMAIN', 'VHOST'], status: 'fired', note: "each time an app without a VHOST file of its own has its default hostnames read (it follows the global domains), once per global domain that is not an IP address, SUBDOMAIN being APP less `.VHOST`; each line of the answer is a hostname in place of APP.VHOST; no answer, or non-zero (a warning), keeps APP.VHOST", cwd: 'root' },
  'nginx-pre-reload': { args: ['APP', 'INTERNAL_PORT', 'INTERNAL_IP_ADDRESS'], status: 'fired', note: "each nginx.conf written for an app of proxy type nginx, once the file is in place and before nginx -t and the reload; INTERNAL_PORT and INTERNAL_IP_ADDRESS are empty, as Dokku passes them; non-zero takes the file back and fails that build of the config", cwd: 'root' },
  'openresty-template-source': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'ports-clear': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'ports-configure': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'ports-get': { args: ['APP', 'FORMAT'], status: 'n/a', note: 'proxy' },
  'ports-get-available': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'ports-get-property': { args: ['APP', 'KEY'], status: 'n/a', note: 'property' },
  'ports-set-detected': { args: ['APP', '...PORT_MAPPING'], status: 'n/a', note: 'proxy' },
  'post-app-clone': { args: ['OLD_APP_NAME', 'NEW_APP_NAME'], status: 'fired', note: "apps:clone, when the clone is done", cwd: 'root' },
  'post-app-clone-setup': { args: ['OLD_APP_NAME', 'NEW_APP_NAME'], status: 'fired', note: "apps:clone, once the new app exists, before it is built; non-zero fails the clone", cwd: 'root' },
  'post-app-rename': { args: ['OLD_APP_NAME', 'NEW_APP_NAME'], status: 'fired', note: "apps:rename, when the rename is done", cwd: 'root' },
  'post-app-rename-setup': { args: ['OLD_APP_NAME', 'NEW_APP_NAME'], status: 'fired', note: "apps:rename, once the new name holds the app, before the old processes go", cwd: 'root' },
  'post-build': { args: ['BUILDER_TYPE', 'APP', 'SOURCECODE_WORK_DIR'], status: 'fired', note: "deploy, after a successful build; non-zero fails the deploy", cwd: 'source' },
  'post-build-buildpack': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'post-build-dockerfile': { args: ['APP'], status: 'n/a', note: 'builder' },
  'post-build-lambda': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'post-build-pack': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'post-certs-remove': { args: ['APP'], status: 'fired', note: "certs:remove, after the pair is gone (the proxy already stopped serving it)", cwd: 'root' },
  'post-certs-update': { args: ['APP'], status: 'fired', note: "certs:add, certs:update, certs:generate, after the pair is stored (the proxy already serves it)", cwd: 'root' },
  'post-config-update': { args: ['APP', 'ACTION', '...KEYS'], status: 'fired', note: "config:set, config:unset, config:clear, config:import (keys only, as Dokku's code passes them)", cwd: 'root' },
  'post-container-create': { args: ['TYPE', 'CONTAINER_ID', 'APP', 'PHASE'], status: 'n/a', note: 'scheduler' },
  'post-create': { args: ['APP'], status: 'fired', note: "apps:create, and a push that creates its app; the core answers it first by making the app's bare repo, as Dokku's git plugin does", cwd: 'root' },
  'post-delete': { args: ['APP', 'IMAGE_TAG'], status: 'fired', note: "apps:destroy, after the app is gone (IMAGE_TAG: its last release's)", cwd: 'root' },
  'post-deploy': { args: ['APP', 'INTERNAL_PORT', 'INTERNAL_IP_ADDRESS', 'IMAGE_TAG'], status: 'fired', note: "deploy, after the proxy switched to the new processes; non-zero switches traffic back", cwd: 'root' },
  'post-domains-update': { args: ['APP', 'ACTION', '...DOMAINS'], status: 'fired', note: "domains:add, domains:remove, domains:set, domains:clear, domains:reset, domains:setup (reset), domains:disable (disable), domains:enable and an add or set that re-enables vhosts (enable)", cwd: 'root' },
  'post-extract': { args: ['APP', 'TMP_WORK_DIR', 'REV'], status: 'fired', note: "deploy, right after the pushed tree is extracted; non-zero fails the deploy", cwd: 'source' },
  'post-proxy-ports-update': { args: ['APP', 'ACTION'], status: 'fired', note: "ports:add, ports:remove, ports:set, ports:clear (ACTION add, remove, set or clear), after the change is stored", cwd: 'root' },
  'post-registry-login': { args: ['DOCKER_REGISTRY_SERVER', 'DOCKER_REGISTRY_USER'], status: 'fired', note: "registry:login, after the engine accepted the login and it is stored (the password in DOCKER_REGISTRY_PASS; docker.io for hub.docker.com); non-zero fails the command", cwd: 'root' },
  'post-release-builder': { args: ['BUILDER_TYPE', 'APP', 'IMAGE'], status: 'n/a', note: 'builder' },
  'post-stack-set': { args: ['APP', 'VALUE'], status: 'n/a', note: 'builder' },
  'post-stop': { args: ['APP'], status: 'fired', note: "ps:stop, after every process stopped", cwd: 'root' },
  'pre-build': { args: ['BUILDER_TYPE', 'APP', 'SOURCECODE_WORK_DIR'], status: 'fired', note: "deploy, before the builder runs; non-zero fails the deploy", cwd: 'source' },
  'pre-build-buildpack': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'pre-build-dockerfile': { args: ['APP'], status: 'n/a', note: 'builder' },
  'pre-build-lambda': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'pre-build-pack': { args: ['APP', 'SOURCECODE_WORK_DIR'], status: 'n/a', note: 'builder' },
  'pre-delete': { args: ['APP', 'IMAGE_TAG'], status: 'fired', note: "apps:destroy, before anything is removed; non-zero aborts", cwd: 'root' },
  'pre-deploy': { args: ['APP', 'IMAGE_TAG'], status: 'fired', note: "every start of processes (deploy, rollback, restart, scale, ps:start, restore); non-zero fails it", cwd: 'root' },
  'pre-disable-vhost': { args: ['APP'], status: 'fired', note: "domains:disable (and domains:setup without global domains), before NO_VHOST=1 is set", cwd: 'root' },
  'pre-enable-vhost': { args: ['APP'], status: 'fired', note: "domains:enable, and domains:add or domains:set on an app without vhosts, before NO_VHOST=0 is set", cwd: 'root' },
  'pre-receive-app': { args: ['APP', 'IMAGE_SOURCE_TYPE', 'TMP_WORK_DIR', 'REV'], status: 'fired', note: "deploy, once the tree is extracted and its builder chosen; non-zero fails the deploy", cwd: 'source' },
  'pre-release-builder': { args: ['BUILDER_TYPE', 'APP', 'IMAGE'], status: 'n/a', note: 'builder' },
  'pre-release-buildpack': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'pre-release-lambda': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'pre-release-pack': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'pre-release-dockerfile': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'builder' },
  'pre-restore': { args: [], status: 'fired', note: "server start, before the apps that were running come back; a failure is logged, the apps still come back", cwd: 'root' },
  'pre-start': { args: ['APP'], status: 'fired', note: "ps:start, and each app brought back at server start; non-zero leaves it stopped", cwd: 'root' },
  'procfile-get-command': { args: ['APP', 'PROCESS_TYPE', 'PORT'], status: 'n/a', note: 'internal' },
  'procfile-exists': { args: ['APP'], status: 'n/a', note: 'internal' },
  'proxy-build-config': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'proxy-clear-config': { args: ['APP'], status: 'fired', note: "proxy:clear-config APP, or once with --all for proxy:clear-config --all, after the app's routes left its proxy; apps:rename NEW_APP after post-app-rename-setup (the config the new name inherited is cleared first, as Dokku's nginx does)", cwd: 'root' },
  'proxy-disable': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'proxy-enable': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'proxy-is-enabled': { args: ['APP'], status: 'core', note: "the proxy core: prints true, or false after proxy:disable" },
  'proxy-type': { args: ['APP'], status: 'core', note: "the proxy core: prints the app's proxy type (builtin or nginx)" },
  'ps-can-scale': { args: ['APP'], status: 'n/a', note: 'scheduler' },
  'ps-current-scale': { args: ['APP'], status: 'n/a', note: 'scheduler' },
  'ps-set-scale': { args: ['APP', 'SKIP_DEPLOY', 'CLEAR_EXISTING', '...PROCESS_TUPLE'], status: 'n/a', note: 'scheduler' },
  'receive-app': { args: ['APP', '[REV]'], status: 'fired', note: "git push, after the deploy of the pushed revision (a failure is a warning: the release already serves)", cwd: 'root' },
  'receive-branch': { args: ['APP', 'REV', 'REFNAME'], status: 'fired', note: "git push, each pushed branch, before any deploy; non-zero refuses the push", cwd: 'root' },
  'release-and-deploy': { args: ['APP', 'IMAGE_TAG'], status: 'n/a', note: 'internal' },
  'report': { args: ['APP'], status: 'fired', note: "report [APP|--all], once per app; a failing plugin is one warning line, the others still report", cwd: 'root' },
  'resource-get-property': { args: ['APP', 'PROC_TYPE', 'RESOURCE_TYPE', 'PROPERTY'], status: 'n/a', note: 'property' },
  'retire-container-failed': { args: ['APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-app-status': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-cron-write': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'cron' },
  'scheduler-deploy': { args: ['DOKKU_SCHEDULER', 'APP', 'IMAGE_TAG', 'PROCESS_TYPE'], status: 'n/a', note: 'scheduler' },
  'scheduler-detect': { args: ['APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-enter': { args: ['DOKKU_SCHEDULER', 'APP', '...ARGS'], status: 'n/a', note: 'scheduler' },
  'scheduler-inspect': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-is-deployed': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-logs': { args: ['DOKKU_SCHEDULER', 'APP', 'PROCESS_TYPE', 'TAIL', 'PRETTY_PRINT', 'NUM'], status: 'n/a', note: 'scheduler' },
  'scheduler-logs-failed': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-proxy-logs': { args: ['DOKKU_SCHEDULER', 'APP', 'PROXY_TYPE', 'LOG_TYPE', 'TAIL', 'NUM_LINES'], status: 'n/a', note: 'scheduler' },
  'scheduler-pre-restore': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-post-delete': { args: ['DOKKU_SCHEDULER', 'APP', 'IMAGE_TAG'], status: 'n/a', note: 'scheduler' },
  'scheduler-post-deploy-process': { args: ['APP', 'PROCESS_TYPE'], status: 'n/a', note: 'scheduler' },
  'scheduler-post-run': { args: ['DOKKU_SCHEDULER', 'APP', 'CONTAINER_ID'], status: 'n/a', note: 'scheduler' },
  'scheduler-register-retired': { args: ['APP', 'CONTAINER_ID'], status: 'n/a', note: 'scheduler' },
  'scheduler-retire': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-run': { args: ['DOKKU_SCHEDULER', 'APP', '...ARGS'], status: 'n/a', note: 'scheduler' },
  'scheduler-run-list': { args: ['DOKKU_SCHEDULER', 'APP', 'FORMAT'], status: 'n/a', note: 'scheduler' },
  'scheduler-run-logs': { args: ['DOKKU_SCHEDULER', 'APP', 'CONTAINER', 'TAIL', 'PRETTY_PRINT', 'NUM'], status: 'n/a', note: 'scheduler' },
  'scheduler-run-retire': { args: ['DOKKU_SCHEDULER', 'APP'], status: 'n/a', note: 'scheduler' },
  'scheduler-run-stop': { args: ['DOKKU_SCHEDULER', 'APP', 'CONTAINER_NAME'], status: 'n/a', note: 'scheduler' },
  'scheduler-stop': { args: ['DOKKU_SCHEDULER', 'APP', 'REMOVE_CONTAINERS'], status: 'n/a', note: 'scheduler' },
  'storage-list': { args: ['APP', 'PHASE', 'FORMAT'], status: 'n/a', note: 'storage' },
  'storage-app-mounts': { args: ['APP', 'PHASE'], status: 'n/a', note: 'storage' },
  'storage-create': { args: ['ENTRY_NAME'], status: 'n/a', note: 'storage' },
  'storage-destroy': { args: ['ENTRY_NAME'], status: 'n/a', note: 'storage' },
  'storage-status': { args: ['ENTRY_NAME'], status: 'n/a', note: 'storage' },
  'scheduler-storage-exec': { args: ['SCHEDULER', 'ENTRY_NAME', 'IMAGE', '...CMD'], status: 'n/a', note: 'storage' },
  'scheduler-uses-host-cron': { args: ['DOKKU_SCHEDULER'], status: 'n/a', note: 'cron' },
  'traefik-template-source': { args: ['APP'], status: 'n/a', note: 'proxy' },
  'uninstall': { args: ['PLUGIN'], status: 'fired', note: "plugin:uninstall NAME, at every enabled plugin (and NAME itself when disabled); non-zero keeps the plugin", cwd: 'root' },
  'update': { args: [], status: 'fired', note: "plugin:update NAME (that plugin, in place; non-zero brings the previous version back); plugin:update without a name (every plugin)", cwd: 'plugin' },
  'user-auth': { args: ['SSH_USER', 'SSH_NAME', 'DOKKU_COMMAND', '...ARGS'], status: 'fired', note: "every SSH command and git verb, before it runs; non-zero denies", cwd: 'root' },
  'user-auth-app': { args: ['SSH_USER', 'SSH_NAME', '...APPS'], status: 'fired', note: "each app a remote key uses (app commands, push, fetch); non-zero denies", cwd: 'root' },
  'vector-template-source': { args: [], status: 'n/a', note: 'proxy' },
} as const satisfies Record<string, TriggerSpec>;

type Table = typeof TRIGGERS;
export type TriggerName = keyof Table;
/** The triggers Slipway itself fires: the only names `PluginHost.fire` accepts. */
export type FiredTrigger = { [K in TriggerName]: Table[K]['status'] extends 'fired' ? K : never }[TriggerName];

type ArgSpec<N extends FiredTrigger> = Table[N]['args'][number];
type Key<A> = A extends `...${infer R}` ? R : A extends `[${infer R}]` ? R : A;
type Value<A> = A extends `...${string}` ? readonly string[] : string;
type IsOptional<A> = A extends `[${string}]` ? true : false;

/** The named values a fired trigger needs: `{ APP: 'web', IMAGE_TAG: 'v3' }`. */
export type TriggerValues<N extends FiredTrigger> =
  & { [A in ArgSpec<N> as IsOptional<A> extends true ? never : Key<A>]: Value<A> }
  & { [A in ArgSpec<N> as IsOptional<A> extends true ? Key<A> : never]?: string };

export function triggerSpec(name: string): TriggerSpec | undefined {
  return Object.hasOwn(TRIGGERS, name) ? (TRIGGERS as Record<string, TriggerSpec>)[name] : undefined;
}

/** The argv of a fired trigger, in Dokku's order, from its named values. */
export function triggerArgv<N extends FiredTrigger>(name: N, values: TriggerValues<N>): string[] {
  const given = values as Record<string, string | readonly string[] | undefined>;
  const argv: string[] = [];
  for (const arg of TRIGGERS[name].args as readonly string[]) {
    if (arg.startsWith('...')) argv.push(...((given[arg.slice(3)] ?? []) as readonly string[]));
    else if (arg.startsWith('[')) {
      const value = given[arg.slice(1, -1)];
      if (value === undefined) break;
      argv.push(value as string);
    } else argv.push(given[arg] as string);
  }
  return argv;
}

/** How many arguments a trigger takes: [least, most] (most is Infinity with a rest argument). */
export function argCount(spec: TriggerSpec): [number, number] {
  const required = spec.args.filter((a) => !a.startsWith('[') && !a.startsWith('...')).length;
  return [required, spec.args.some((a) => a.startsWith('...')) ? Infinity : spec.args.length];
}
