/**
 * Turns a history `created_by` into the Dockerfile instruction a person wrote. Three dialects:
 * - BuildKit: `RUN /bin/sh -c make # buildkit`, `COPY /src /dst # buildkit`, `WORKDIR /app`, and RUNs
 *   that saw build args as `RUN |2 A=1 B=2 /bin/sh -c ...`;
 * - legacy Docker builder: `/bin/sh -c #(nop)  CMD [...]`, `/bin/sh -c #(nop) COPY file:<sha> in /dst `,
 *   `COPY --chown=1:1file:<sha> in /dst` (no space), `|1 A=1 /bin/sh -c <cmd>` for RUN;
 * - buildah: like legacy, plus exec-form RUN as `/bin/sh -c ["/bin/x", "arg"]`.
 */
export function instructionOf(createdBy: string | undefined | null): string {
  const p = parseCreatedBy(createdBy);
  if (!p) return '';
  return p.rest ? `${p.keyword} ${p.rest}` : p.keyword;
}

export interface CreatedBy {
  /** Upper-case Dockerfile keyword (RUN, COPY, ENV, ...); '' when the text is not recognisable. */
  keyword: string;
  /** Everything after the keyword, build-arg prefixes and builder markers removed. */
  rest: string;
  /** For COPY/ADD: the destination as recorded (legacy/buildah `in /dst`, BuildKit's last word). */
  dest?: string;
}

const KEYWORDS = /^(ADD|ARG|CMD|COPY|ENTRYPOINT|ENV|EXPOSE|HEALTHCHECK|LABEL|MAINTAINER|ONBUILD|RUN|SHELL|STOPSIGNAL|USER|VOLUME|WORKDIR)\b\s*(.*)$/s;

/** Strips BuildKit's `|N K=V ...` build-arg prefix; values may be quoted. */
function stripArgPrefix(s: string): string {
  return s.replace(/^\|\d+\s+(?:[^\s=]+=(?:"(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s+)*/, '');
}

export function parseCreatedBy(createdBy: string | undefined | null): CreatedBy | undefined {
  if (!createdBy) return undefined;
  let s = createdBy.trim().replace(/\s*# buildkit$/, '');
  if (!s) return undefined;
  let keyword = '';
  let rest = '';
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(s);
  if (nop) s = nop[1].trim();
  else {
    if (s.startsWith('RUN ')) s = s.slice(4).trim();
    s = stripArgPrefix(s);
    // The default shell, or one set by SHELL: `/bin/bash -o pipefail -c <cmd>`.
    const shell = /^\/\S*sh((?:\s+-(?!c\s)\S+(?:\s+(?!-)\S+)?)*)\s+-c\s+(.*)$/s.exec(s);
    if (shell) return { keyword: 'RUN', rest: shell[2].trim() };
  }
  const kw = KEYWORDS.exec(s);
  if (!kw) return { keyword: nop ? '' : 'RUN', rest: s };
  keyword = kw[1];
  rest = kw[2].trim();
  if (keyword === 'COPY' || keyword === 'ADD') {
    // Legacy / buildah: `COPY [--chown=..]file:<sha> in /dst`, `dir:<sha>`, `multi:<sha>`.
    const legacy = /^((?:--\S+?)?)(file|dir|multi):([0-9a-f]{64}) in (.+)$/s.exec(rest);
    if (legacy) {
      const flags = legacy[1] ? `${legacy[1]} ` : '';
      const dest = legacy[4].trim();
      return { keyword, rest: `${flags}${legacy[2]}:${legacy[3].slice(0, 12)} in ${dest}`, dest };
    }
    const words = rest.split(/\s+/);
    return { keyword, rest, dest: words[words.length - 1] };
  }
  return { keyword, rest };
}
