// written once by sails-rt new; yours to edit
// Lifts this app without the CLI: `node --import tsx app.ts` (what `npx sails-rt lift` does too).
import { lift } from 'sails-rt';

await lift();
