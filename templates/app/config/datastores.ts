// written once by sails-rt new; yours to edit
import type { DatastoresConfig } from 'sails-rt';

/** Where the models are stored: an SQLite file under .tmp/ (git-ignored). */
export const datastores: DatastoresConfig = {
  default: { adapter: 'sqlite', filename: '.tmp/db.sqlite' },
};
