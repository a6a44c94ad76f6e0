import type { Rule } from './rule.js';
import { any } from './patterns.js';

/** Leftovers: docs, logs, temporary files and core dumps the build left behind. */

export const LEFTOVER_RULES: Rule[] = [
  {
    id: 'leftover-docs',
    category: 'leftover',
    severity: 'low',
    matches: 'documentation: /usr/share/doc, /usr/share/man, /usr/share/info',
    why: 'nobody reads man pages inside a container',
    fix: 'docs',
    test: /^usr\/(?:local\/)?share\/(?:doc|man|info|gtk-doc|doc-base)\//,
  },
  {
    id: 'leftover-logs',
    category: 'leftover',
    severity: 'low',
    matches: 'log files: /var/log/*, *.log',
    why: 'build-time logs (apt, dpkg, installers) are of no use at run time',
    fix: 'leftover',
    test: any(/^var\/log\/./, /\.log$/),
  },
  {
    id: 'leftover-tmp',
    category: 'leftover',
    severity: 'medium',
    matches: 'files left in /tmp and /var/tmp',
    why: 'temporary files from the build are never cleaned up once they are in a layer',
    fix: 'leftover',
    test: /^(?:var\/)?tmp\/./,
  },
  {
    id: 'leftover-core',
    category: 'leftover',
    severity: 'medium',
    matches: 'core dumps: core, core.<pid>',
    why: 'a crashed build step left its memory image behind',
    fix: 'leftover',
    hint: [/(?:^|\/)core(?:\.\d+)?$/],
    test: (p) => /(?:^|\/)core\.\d+$/.test(p) || (/(?:^|\/)core$/.test(p) && !/^(?:usr|lib|lib64|etc|opt)\//.test(p)),
  },
];
