/**
 * Turns a history `created_by` into the Dockerfile instruction a person wrote. Handles BuildKit
 * (`RUN /bin/sh -c make # buildkit`, `|2 A=1 B=2 /bin/sh -c ...` build-arg prefixes) and the legacy
 * builder / buildah (`/bin/sh -c #(nop)  CMD [...]`, `/bin/sh -c #(nop) COPY file:<sha> in /dst `).
 */
export function instructionOf(createdBy: string | undefined | null): string {
  if (!createdBy) return '';
  let s = createdBy.trim();
  s = s.replace(/\s*# buildkit$/, '');
  // BuildKit writes build args used by a RUN as "|N K=V ... " before the command.
  s = s.replace(/^(RUN\s+)?\|\d+\s+(?:\S+=(?:"[^"]*"|\S*)\s+)*/, (_m, run: string | undefined) => run ?? 'RUN ');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(s);
  if (nop) return nop[1].trim();
  const shell = /^(?:RUN\s+)?\/bin\/(?:ba)?sh -c\s+(.*)$/s.exec(s);
  if (shell) return `RUN ${shell[1].trim()}`;
  return s;
}
