/** Entry of `npx losslab`. */
import { main } from './index';

process.exitCode = main(process.argv.slice(2));
