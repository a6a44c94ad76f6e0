/**
 * Which RUNs only install or remove packages: the files they leave that no package owns are the
 * maintainer scripts' output, which a runtime stage installing the same packages makes again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageOnlyRun } from '../../src/analysis/findings/unclaimed.js';

test('apt-get, dpkg and rm only, as a Dockerfile line or a history entry: package-only', () => {
  for (const ins of [
    'RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven',
    'RUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
    'RUN apt-get update && dpkg -i /tmp/x.deb; rm /tmp/x.deb',
    '/bin/sh -c apt-get update && apt-get install -y gcc',
    'RUN |1 JDK=17 /bin/sh -c apt-get update && apt-get install -y openjdk-17-jdk-headless # buildkit',
  ]) {
    assert.equal(packageOnlyRun(ins), true, ins);
  }
});

test('anything that can write a file of its own is not: a redirection, another program, a substitution', () => {
  for (const ins of [
    'RUN apt-get install -y curl && echo "x" > /etc/app.conf',
    'RUN apt-get install -y curl && curl -o /opt/tool https://example.invalid/tool',
    'RUN apt-get install -y $(cat /tmp/pkgs)',
    'RUN apt-get install -y curl | tee /var/log/x',
    'RUN export DEBIAN_FRONTEND=noninteractive && apt-get install -y curl',
    'COPY app /app',
    'RUN ["apt-get", "install", "-y", "curl"]',
    'RUN mvn package',
  ]) {
    assert.equal(packageOnlyRun(ins), false, ins);
  }
});
