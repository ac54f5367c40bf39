// Mocha's spec output plus the one closing line CI reads: "tests: N passed, N failed, N skipped".
// Skipped tests print their reason (set on this.skip via test.skipReason or the title).
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const reasons = [];
    runner.on(EVENT_TEST_PENDING, (test) => {
      const reason = test.skipReason || (test.parent && test.parent.skipReason);
      if (reason) reasons.push(`${test.fullTitle()}: ${reason}`);
    });
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      if (reasons.length) {
        process.stdout.write('\nskipped, with reasons:\n' + reasons.map((r) => `  - ${r}\n`).join(''));
      }
      // Written after Spec's epilogue so it is the last line of the run.
      process.nextTick(() => {
        process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
      });
    });
  }
}
module.exports = SummaryReporter;
