/** Path pattern pieces shared by the rules of several categories. */

export const HOME = String.raw`(?:root|home/[^/]+)`;
/** System locations where packages (not the build) put files: never "stray sources". */
export const SYSTEM = /^(?:usr\/(?:share|lib\d*|libexec|include|local\/(?:lib\d*|include|share|go))\/|usr\/src\/(?:linux|kernel)|(?:lib\d*|etc|opt\/java)\/)/;
export const re = (s: string) => new RegExp(s);
export const any = (...res: RegExp[]): RegExp[] => res;
