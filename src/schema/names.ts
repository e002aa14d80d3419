import { SchemaError } from './errors.js';

export interface Names {
  /** `UserProfile`: type names, model file and controller names. */
  className: string;
  /** `UserProfile`: the file stem under api/models (Sails keeps the class name). */
  fileName: string;
  /** `userprofile`: Sails' identity, the lowercased class name. */
  identity: string;
  /** `/userprofile`: where the blueprint routes live. */
  routePath: string;
  /** `userProfile`: a variable name. */
  propertyName: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*$/;

/**
 * Derives every name the generator and the runtime use from one user-given name, so that no
 * template or action computes a name of its own.
 *
 * @example names('user-profile').className === 'UserProfile'
 */
export function names(raw: string): Names {
  if (!NAME.test(raw)) {
    throw new SchemaError(
      `"${raw}" is not a valid model name: use letters and digits, starting with a letter (for example User or BlogPost).`,
    );
  }
  const className = raw
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const identity = className.toLowerCase();
  return {
    className,
    fileName: className,
    identity,
    routePath: `/${identity}`,
    propertyName: className.charAt(0).toLowerCase() + className.slice(1),
  };
}
