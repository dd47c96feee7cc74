/**
 * Entry of `npx losslab`. Whatever happens, the process ends with an exit code and at most one
 * line on stderr: errors no one caught (a worker's, a stray rejection) are reported like
 * main()'s internal errors, a closed stdout (`| head`) is no error, and once the output is
 * flushed the process exits even if some handle (a worker pool, stdin) would keep it alive.
 */
import { internalError, main } from './index';

const argv = process.argv.slice(2);
const prefix = argv[0] && !argv[0].startsWith('-') ? `losslab ${argv[0]}` : 'losslab';

// Write errors are main()'s to report (EPIPE is the reader leaving); without a listener Node
// would throw them as uncaught exceptions.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

let exiting = false;

/** Exits once what was written to stdout and stderr has left the process. */
function exit(code: number): void {
  if (exiting) return;
  exiting = true;
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter(
    (s) => !s.destroyed && s.writableLength > 0,
  );
  void Promise.all(
    pending.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.once('drain', resolve);
          s.once('close', resolve);
          s.once('error', resolve);
        }),
    ),
  ).then(() => process.exit(code));
}

function crash(err: unknown): void {
  if (exiting) return;
  process.stderr.write(internalError(prefix, err));
  exit(1);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

main(argv).then(exit, crash);
