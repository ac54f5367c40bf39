// Who may do what: the one place that decides it. Commands declare an AccessRule; the router calls
// authorizeCommand once, the git layer authorizeGit; apps:list shows visibleApps.
export { isAdmin, decide, appOf, pluginCommandRule, OPEN, type AccessRule, type Decision } from './rules.js';
export { mayAccessApp, visibleApps, type AccessOptions } from './app-access.js';
export { authorizeCommand, authorizeGit, type CommandToAuthorize } from './authorize.js';
