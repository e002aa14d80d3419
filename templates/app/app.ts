// written once by sails-rt new; yours to edit
// Lifts this app without the CLI: `node --import tsx app.ts` (tsx runs this file; lift() compiles the rest, as `npx sails-rt lift` does).
import { lift } from 'sails-rt';

await lift();
