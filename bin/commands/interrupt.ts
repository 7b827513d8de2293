/**
 * Ctrl-C (SIGINT) and SIGTERM during a long replay: the first asks the loop
 * to stop after the record in hand, so that the store is closed (flushed)
 * and the summary printed; the exit code then says the run was interrupted
 * (130 for SIGINT, 143 for SIGTERM, as shells do). A second signal exits at
 * once: claims are on disk before every side effect, so even then a re-run
 * neither loses a record nor sends an alert twice.
 */
export class Interrupt {
  signal?: NodeJS.Signals;
  private readonly handler = (sig: NodeJS.Signals) => {
    if (this.signal) {
      process.stderr.write(`\nsgwatch: ${sig} again: exiting now (run the same command again to go on)\n`);
      process.exit(exitCodeOf(sig));
    }
    this.signal = sig;
    process.stderr.write(`\nsgwatch: ${sig}: stopping after the current record (again to exit at once)\n`);
  };

  constructor() {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get code(): number {
    return this.signal ? exitCodeOf(this.signal) : 0;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

const exitCodeOf = (sig: NodeJS.Signals): number => (sig === 'SIGTERM' ? 143 : 130);
