// Which plugins own a command: the rule that keeps one broken plugin (a `commands` file that fails
// for everything) from answering every command that reaches the plugin loop. Pure: no files read.

/** What dispatch knows about one plugin's commands, from its `help --all` output. */
export interface CommandOwner {
  name: string;
  /** First words of its help lines (`notes:add`, `notes:list`); empty when its help failed or says nothing. */
  commands: readonly string[];
}

/** `notes:add` → `notes`; a bare `notes` is its own namespace. */
export function namespaceOf(command: string): string {
  const colon = command.indexOf(':');
  return colon === -1 ? command : command.slice(0, colon);
}

export interface DispatchPlan<P extends CommandOwner> {
  /** Tried first, in this order; the first exit other than 10 answers, an error included. */
  owners: P[];
  /** Dokku's fall-through for commands nobody lists: only an exit 0 answers. */
  others: P[];
}

/**
 * A plugin owns a command when its help lists that command (tried first), or when it is named like
 * the command's namespace, or its help lists another command of that namespace (`notes:add` makes
 * `notes` and `notes:secret` its own). Every other plugin is tried after the owners, in plugin order.
 */
export function dispatchPlan<P extends CommandOwner>(command: string, plugins: readonly P[]): DispatchPlan<P> {
  const namespace = namespaceOf(command);
  const listing = plugins.filter((p) => p.commands.includes(command));
  const family = plugins.filter((p) => !listing.includes(p)
    && (p.name === namespace || p.commands.some((c) => namespaceOf(c) === namespace)));
  const owners = [...listing, ...family];
  return { owners, others: plugins.filter((p) => !owners.includes(p)) };
}
