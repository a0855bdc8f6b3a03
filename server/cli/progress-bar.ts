import { Presets, SingleBar } from 'cli-progress';
import type { ProgressReport } from './operator-command.js';

/** A progress bar on standard error, drawn only on a terminal: report() as a command's progress, stop() at its end. */
export function progressBar(): { report: ProgressReport; stop: () => void } {
  let bar: SingleBar | undefined;
  return {
    report: (what, unit, done, total) => {
      if (!bar) {
        bar = new SingleBar(
          { format: `${what} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(Math.max(total, done), done);
      }
      bar.setTotal(Math.max(total, done));
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}
