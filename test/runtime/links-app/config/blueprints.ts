import type { BlueprintsConfig } from 'sails-rt';

export const blueprints: BlueprintsConfig = {};
