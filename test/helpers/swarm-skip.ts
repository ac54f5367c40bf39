// Skip a whole suite from its `before` hook with a reason our reporter prints.
type Skippable = Mocha.Suite & { skipReason?: string };

function mark(suite: Mocha.Suite | undefined, reason: string): void {
  if (suite === undefined) return;
  (suite as Skippable).skipReason = reason;
  for (const child of suite.suites) mark(child, reason);
}

export function skipSuite(ctx: Mocha.Context, reason: string): never {
  mark(ctx.test?.parent, reason);
  ctx.skip();
}
