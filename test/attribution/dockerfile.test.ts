import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, stageChain } from '../../src/analysis/attribution/dockerfile.js';
import { alignSteps, isFailure } from '../../src/analysis/attribution/align.js';
import { attribute } from '../../src/analysis/attribution/index.js';

const DF = [
  '# syntax=docker/dockerfile:1',
  'ARG BASE=busybox',
  'ARG NAME=build',
  'ARG CHAIN=build',
  'FROM --platform=linux/amd64 ${BASE}:1.36 AS ${NAME}',
  'ARG V=2',
  'ENV DIR=/opt/app',
  'RUN echo a \\',
  '  # a comment inside the continuation',
  '  && echo b',
  'RUN <<EOF',
  'echo hi > /x',
  'EOF',
  'COPY --chown=1:1 --chmod=644 --link src/ $DIR/',
  'FROM ${CHAIN} AS tools',
  'COPY <<EOT /etc/motd',
  'hello',
  'EOT',
  'FROM scratch',
  'COPY --from=tools /opt/app /app',
  'COPY --from=1 /etc/motd /motd',
  'COPY --from=alpine:3.20 /bin/sh /sh',
  '',
].join('\n');

test('parser: stages, ARG-substituted names, FROM <stage> chains, flags, heredocs, continuations', () => {
  const df = parseDockerfile(DF);
  assert.deepEqual(df.stages.map((s) => [s.name, s.from, s.fromStage, s.line]), [
    ['build', 'busybox:1.36', undefined, 5],
    ['tools', 'build', 0, 15],
    [undefined, 'scratch', undefined, 19],
  ]);
  const [run1, run2, copy] = df.stages[0].steps.slice(2);
  assert.equal(run1.text, 'RUN echo a && echo b');
  assert.deepEqual([run1.line, run1.endLine], [8, 10]);
  assert.equal(run2.heredoc, true);
  assert.equal(run2.text, 'RUN <<EOF');
  assert.deepEqual([run2.line, run2.endLine], [11, 13]);
  assert.deepEqual(copy.flags, { chown: '1:1', chmod: '644', link: null });
  assert.equal(copy.dest, '/opt/app/', 'ENV substituted in the destination');
  const motd = df.stages[1].steps[0];
  assert.equal(motd.dest, '/etc/motd');
  assert.deepEqual([motd.line, motd.endLine], [16, 18]);
  assert.deepEqual(stageChain(df, 'tools').map((s) => s.name), ['build', 'tools']);
  assert.throws(() => stageChain(df, 'nope'), /no stage named "nope" \(stages: build, tools, 2\)/);
});

test('parser: --build-arg overrides ARG defaults in FROM', () => {
  const df = parseDockerfile(DF, { BASE: 'alpine', CHAIN: 'build' });
  assert.equal(df.stages[0].from, 'alpine:1.36');
  assert.equal(df.stages[1].fromStage, 0);
});

test('COPY --from attribution names stages (by name or index) and external images', () => {
  const history = [
    { created_by: 'COPY /opt/app /app # buildkit' },
    { created_by: 'COPY /etc/motd /motd # buildkit' },
    { created_by: 'COPY /bin/sh /sh # buildkit' },
  ];
  const a = attribute({ config: { history, rootfs: { type: 'layers', diff_ids: ['a', 'b', 'c'] } }, layerCount: 3, dockerfile: { text: DF, label: 'Dockerfile' } });
  assert.equal(a.status.source, 'dockerfile');
  assert.deepEqual(a.origins.map((o) => [o.fromStage, o.fromPath, o.fromImage ?? false, o.line]), [
    ['tools', '/opt/app', false, 20],
    ['tools', '/etc/motd', false, 21],
    ['alpine:3.20', '/bin/sh', true, 22],
  ]);
  assert.equal(a.status.baseLayers, 0);
  assert.equal(a.status.baseRef, undefined, 'FROM scratch has no base');
});

test('alignment names the first instruction that does not match', () => {
  const df = parseDockerfile('FROM x\nRUN make\nRUN make install\n');
  const steps = df.stages[0].steps;
  const ok = alignSteps([{ created_by: 'base' }, { created_by: 'RUN /bin/sh -c make # buildkit' }, { created_by: 'RUN /bin/sh -c make install # buildkit' }], steps);
  assert.ok(!isFailure(ok));
  assert.equal(ok.boundary, 1);
  const bad = alignSteps([{ created_by: '/bin/sh -c make' }, { created_by: '/bin/sh -c make test' }], steps);
  assert.ok(isFailure(bad));
  assert.equal(bad.step.line, 3);
  assert.match(bad.reason, /"RUN make test"/);
});

test('RUN flags recorded by buildah (--mount) and exec-form RUN still align', () => {
  const df = parseDockerfile('FROM x\nRUN --mount=type=bind,target=/ctx tar -C /ctx -cf /out.tar .\nRUN ["/bin/echo", "hi"]\n');
  const steps = df.stages[0].steps;
  const a = alignSteps(
    [
      { created_by: 'base' },
      { created_by: '/bin/sh -c --mount=type=bind,target=/ctx tar -C /ctx -cf /out.tar .' },
      { created_by: '/bin/sh -c ["/bin/echo", "hi"]' },
    ],
    steps,
  );
  assert.ok(!isFailure(a), isFailure(a) ? a.reason : '');
  assert.equal(a.boundary, 1);
});
