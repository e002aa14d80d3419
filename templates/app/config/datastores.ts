// written once by sails-rt new; yours to edit
import type { DatastoresConfig } from 'sails-rt';

/** Where the models are stored: an SQLite file under .tmp/ (git-ignored). */
export const datastores: DatastoresConfig = {
  default: {
    adapter: 'sqlite',
    filename: '.tmp/db.sqlite',
    // The lifted app owns the file: reads are about 4x faster, and no other process can open
    // it meanwhile. false shares it (e.g. to look at it with the sqlite3 shell while the app runs).
    exclusive: true,
  },
};
