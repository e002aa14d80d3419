/** Where a schema problem was found; every part that is known is named in the message. */
export interface SchemaLocation {
  file?: string;
  model?: string;
  attribute?: string;
}

/**
 * A model definition that cannot be used. The message is one sentence that names the file,
 * the model and the attribute (where known), what is wrong and what is allowed.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  readonly code = 'E_SCHEMA';

  constructor(
    readonly problem: string,
    readonly location: SchemaLocation = {},
  ) {
    super(formatLocated(problem, location));
  }
}

function formatLocated(problem: string, { file, model, attribute }: SchemaLocation): string {
  const where: string[] = [];
  if (file) where.push(file);
  if (model) where.push(`model ${model}`);
  if (attribute) where.push(`attribute "${attribute}"`);
  return where.length > 0 ? `${where.join(', ')}: ${problem}` : problem;
}
