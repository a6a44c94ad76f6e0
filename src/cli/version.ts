/** msb's version, as `msb --version` prints it (test/cache/startup.test.ts keeps it equal to commander's). */
export const VERSION = '0.1.0';
